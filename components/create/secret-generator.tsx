"use client";

import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import {
  CHARACTER_SETS,
  entropyBits,
  generateSecret,
  MAX_GENERATED_LENGTH,
  MIN_GENERATED_LENGTH,
  type CharacterSetName,
} from "./strong-secret";

const SET_NAMES = Object.keys(CHARACTER_SETS) as CharacterSetName[];

/** Length and character sets; one click replaces the secret with a fresh random one. */
export function SecretGenerator({ onGenerate, disabled }: { onGenerate: (secret: string) => void; disabled?: boolean }) {
  const [length, setLength] = useState(24);
  const [sets, setSets] = useState<CharacterSetName[]>(["lowercase", "uppercase", "digits", "symbols"]);
  const lengthId = useId();

  const toggle = (name: CharacterSetName) =>
    setSets((current) =>
      current.includes(name) ? current.filter((set) => set !== name) : SET_NAMES.filter((set) => set === name || current.includes(set)),
    );

  return (
    <div className="mt-3 rounded-lg border border-zinc-200 bg-zinc-50 p-4 dark:border-zinc-800 dark:bg-zinc-950" data-testid="generator">
      <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
        <div>
          <label htmlFor={lengthId} className="mb-1 block text-sm font-medium">
            Length
          </label>
          <div className="flex items-center gap-2">
            <input
              id={lengthId}
              type="range"
              min={MIN_GENERATED_LENGTH}
              max={MAX_GENERATED_LENGTH}
              value={length}
              onChange={(event) => setLength(Number(event.target.value))}
              className="w-36 accent-orange-700"
            />
            <output htmlFor={lengthId} className="w-8 text-sm tabular-nums">
              {length}
            </output>
          </div>
        </div>
        <fieldset>
          <legend className="mb-1 text-sm font-medium">Characters</legend>
          <div className="flex flex-wrap gap-3">
            {SET_NAMES.map((name) => (
              <label key={name} className="flex items-center gap-1.5 text-sm">
                <input
                  type="checkbox"
                  checked={sets.includes(name)}
                  onChange={() => toggle(name)}
                  className="size-4 accent-orange-700"
                />
                <span className="font-mono">{CHARACTER_SETS[name].label}</span>
              </label>
            ))}
          </div>
        </fieldset>
      </div>
      <div className="mt-4 flex flex-wrap items-center gap-3">
        <Button disabled={disabled || sets.length === 0} onClick={() => onGenerate(generateSecret(length, sets))}>
          Fill with a random secret
        </Button>
        <span className="text-xs text-zinc-600 dark:text-zinc-400">
          {sets.length === 0 ? "Choose at least one set of characters." : `About ${entropyBits(length, sets)} bits of entropy, from this browser's CSPRNG.`}
        </span>
      </div>
    </div>
  );
}
