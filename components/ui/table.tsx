import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from 'react';
import { cn } from './cn';

/** A data table in a card, with a caption (visually hidden unless `showCaption`). */
export function Table({
  caption,
  showCaption,
  className,
  children,
}: {
  caption: string;
  showCaption?: boolean;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div
      className={cn(
        'overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200',
        className,
      )}
    >
      <table className="w-full text-left text-sm">
        <caption
          className={
            showCaption ? 'px-4 py-2 text-left text-sm font-medium text-slate-700' : 'sr-only'
          }
        >
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}

export function TableHead({ children }: { children: ReactNode }) {
  return <thead className="bg-slate-100 text-slate-600">{children}</thead>;
}

export function Th({ className, scope = 'col', ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope={scope} className={cn('px-4 py-2 font-medium', className)} {...props} />;
}

export function Td({ className, ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn('px-4 py-2 align-top', className)} {...props} />;
}

export function Tr({ children, className }: { children: ReactNode; className?: string }) {
  return <tr className={cn('border-t border-slate-100', className)}>{children}</tr>;
}
