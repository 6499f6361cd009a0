/** A row of radio buttons styled as a segmented control; arrow keys move between them natively. */
export function Segmented<T extends string | number>({
  legend,
  name,
  options,
  value,
  onChange,
  disabled,
}: {
  legend: string;
  name: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
  disabled?: boolean;
}) {
  return (
    <fieldset disabled={disabled}>
      <legend className="mb-2 text-sm font-medium">{legend}</legend>
      <div className="flex flex-wrap gap-2">
        {options.map((option) => (
          <label key={String(option.value)} className="relative">
            <input
              type="radio"
              name={name}
              value={String(option.value)}
              checked={option.value === value}
              onChange={() => onChange(option.value)}
              className="peer sr-only"
            />
            <span className="inline-block rounded-lg border border-zinc-300 bg-white px-3 py-1.5 text-sm text-zinc-800 transition-colors peer-checked:border-orange-700 peer-checked:bg-orange-50 peer-checked:font-semibold peer-checked:text-orange-900 peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-orange-600 hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200 dark:peer-checked:border-orange-400 dark:peer-checked:bg-orange-950 dark:peer-checked:text-orange-100 dark:hover:bg-zinc-800">
              {option.label}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
