import { cn } from '@/components/ui/cn';

export type AllowanceMeterProps = {
  label: string;
  usedText: string;
  /** null = unlimited. */
  allowanceText: string | null;
  percent: number | null;
  level: 'ok' | 'warning' | 'exceeded' | 'unlimited';
  policyText: string;
  resetText: string | null;
  forecastText: string | null;
  forecastExceeds: boolean;
  overageText: string | null;
};

const barColours = {
  ok: 'bg-emerald-600',
  warning: 'bg-amber-500',
  exceeded: 'bg-red-600',
  unlimited: 'bg-slate-400',
} as const;

const levelWords = {
  ok: null,
  warning: 'Nearly used up',
  exceeded: 'Used up',
  unlimited: null,
} as const;

/**
 * One allowance: used against allowance, a progress bar that turns amber at 80 % and red at
 * 100 %, what happens past it, when it resets and where the period is heading. Unlimited
 * allowances show their usage with no bar.
 */
export function AllowanceMeter(props: AllowanceMeterProps) {
  const id = `allowance-${props.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const percent = props.percent ?? 0;
  const shown = Math.min(100, Math.max(0, percent));
  const percentText = `${Math.floor(percent).toLocaleString('en')} %`;
  const state = levelWords[props.level];
  return (
    <li
      aria-labelledby={`${id}-label`}
      className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      data-level={props.level}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id={`${id}-label`} className="font-medium text-slate-900">
          {props.label}
        </h3>
        <p className="text-sm text-slate-700 tabular-nums">
          {props.allowanceText === null ? (
            <>
              {props.usedText} used · <span className="font-medium">Unlimited</span>
            </>
          ) : (
            <>
              {props.usedText} of {props.allowanceText} · {percentText}
              {state ? (
                <span
                  className={cn(
                    'ml-2 rounded px-1.5 py-0.5 text-xs font-medium',
                    props.level === 'exceeded'
                      ? 'bg-red-100 text-red-800'
                      : 'bg-amber-100 text-amber-800',
                  )}
                >
                  {state}
                </span>
              ) : null}
            </>
          )}
        </p>
      </div>
      {props.allowanceText !== null ? (
        <div
          role="progressbar"
          aria-labelledby={`${id}-label`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(shown)}
          aria-valuetext={`${props.usedText} of ${props.allowanceText} (${percentText})`}
          className="mt-3 h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
        >
          <div
            className={cn('h-full rounded-full', barColours[props.level])}
            style={{ width: `${shown}%` }}
          />
        </div>
      ) : null}
      <dl className="mt-3 grid gap-x-6 gap-y-1 text-sm text-slate-600 sm:grid-cols-[auto_1fr]">
        <dt className="font-medium text-slate-700">Past the allowance</dt>
        <dd>{props.policyText}</dd>
        {props.overageText ? (
          <>
            <dt className="font-medium text-slate-700">Over by</dt>
            <dd>{props.overageText}</dd>
          </>
        ) : null}
        {props.resetText ? (
          <>
            <dt className="font-medium text-slate-700">Resets</dt>
            <dd>{props.resetText}</dd>
          </>
        ) : null}
        {props.forecastText ? (
          <>
            <dt className="font-medium text-slate-700">Forecast at period end</dt>
            <dd>
              {props.forecastText}
              {props.forecastExceeds ? (
                <strong className="ml-2 font-medium text-red-700">
                  Expected to go over the allowance.
                </strong>
              ) : null}
            </dd>
          </>
        ) : null}
      </dl>
    </li>
  );
}
