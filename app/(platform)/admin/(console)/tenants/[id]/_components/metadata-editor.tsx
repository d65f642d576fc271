'use client';

import { useEffect, useRef, useState } from 'react';
import { useActionForm } from '@/components/forms/use-action-form';
import { Button, buttonClasses } from '@/components/ui/button';
import { FormMessage } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import { SavedMessage, type ConsoleAction } from './saved-message';

type Row = { rowId: number; key: string; value: string };

const inputClasses =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand aria-[invalid=true]:border-red-500';

/**
 * Key/value rows, saved all at once (the metadata is replaced). Inputs are uncontrolled with
 * their default kept in step with what is typed, so React's reset after the action keeps them.
 */
export function MetadataEditor({
  action,
  tenantId,
  metadata,
}: {
  action: ConsoleAction;
  tenantId: string;
  metadata: Array<[string, string]>;
}) {
  const { state, formAction, errors } = useActionForm(action);
  const nextId = useRef(metadata.length);
  const [rows, setRows] = useState<Row[]>(() =>
    metadata.map(([key, value], rowId) => ({ rowId, key, value })),
  );
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (focusRow === null) return;
    document.getElementById(`meta-row-${focusRow}-key`)?.focus();
    setFocusRow(null);
  }, [focusRow]);

  const update = (rowId: number, patch: Partial<Row>) =>
    setRows((current) => current.map((row) => (row.rowId === rowId ? { ...row, ...patch } : row)));
  const add = () => {
    const rowId = nextId.current++;
    setRows((current) => [...current, { rowId, key: '', value: '' }]);
    setFocusRow(rowId);
  };
  const remove = (index: number) => {
    const neighbour = rows[index + 1] ?? rows[index - 1];
    setRows((current) => current.filter((_, i) => i !== index));
    if (neighbour) setFocusRow(neighbour.rowId);
    else addButton.current?.focus();
  };

  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="id" value={tenantId} />
      <FormMessage result={state} />
      <SavedMessage state={state} />
      {errors?.metadata ? (
        <p id="metadata-error" role="alert" className="text-sm text-red-600">
          {errors.metadata.join(' ')}
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="text-sm text-slate-600">
          No metadata. Add a row for a CRM id, a region or a note.
        </p>
      ) : (
        <ul className="space-y-3" aria-label="Metadata">
          {rows.map((row, index) => {
            const keyName = `metaKey.${index}`;
            const valueName = `metaValue.${index}`;
            const keyErrors = errors?.[keyName];
            const valueErrors = errors?.[valueName];
            return (
              <li
                key={row.rowId}
                className="grid gap-2 sm:grid-cols-[14rem_1fr_auto] sm:items-start"
              >
                <div>
                  <label htmlFor={`meta-row-${row.rowId}-key`} className="sr-only">
                    Key {index + 1}
                  </label>
                  <input
                    id={`meta-row-${row.rowId}-key`}
                    name={keyName}
                    defaultValue={row.key}
                    onChange={(event) => update(row.rowId, { key: event.target.value })}
                    placeholder="key"
                    autoComplete="off"
                    spellCheck={false}
                    aria-invalid={keyErrors ? true : undefined}
                    aria-describedby={keyErrors ? `${keyName}-error` : undefined}
                    className={`${inputClasses} font-mono`}
                  />
                  {keyErrors ? (
                    <p id={`${keyName}-error`} role="alert" className="mt-1 text-sm text-red-600">
                      {keyErrors.join(' ')}
                    </p>
                  ) : null}
                </div>
                <div>
                  <label htmlFor={`meta-row-${row.rowId}-value`} className="sr-only">
                    Value {index + 1}
                  </label>
                  <input
                    id={`meta-row-${row.rowId}-value`}
                    name={valueName}
                    defaultValue={row.value}
                    onChange={(event) => update(row.rowId, { value: event.target.value })}
                    placeholder="value"
                    autoComplete="off"
                    aria-invalid={valueErrors ? true : undefined}
                    aria-describedby={valueErrors ? `${valueName}-error` : undefined}
                    className={inputClasses}
                  />
                  {valueErrors ? (
                    <p id={`${valueName}-error`} role="alert" className="mt-1 text-sm text-red-600">
                      {valueErrors.join(' ')}
                    </p>
                  ) : null}
                </div>
                <Button
                  variant="secondary"
                  onClick={() => remove(index)}
                  aria-label={`Remove row ${index + 1}${row.key ? ` (${row.key})` : ''}`}
                >
                  Remove
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="flex flex-wrap gap-2">
        <button ref={addButton} type="button" className={buttonClasses('secondary')} onClick={add}>
          Add row
        </button>
        <SubmitButton variant="secondary" pendingLabel="Saving metadata…">
          Save metadata
        </SubmitButton>
      </div>
    </form>
  );
}
