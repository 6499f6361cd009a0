"use client";

import { useCallback, useRef, useState } from "react";
import type { SecretContent } from "@/lib/crypto";
import { ciphertextSize, envelopeSize } from "@/lib/crypto";
import { visibleFileName } from "@/components/browser/files";
import { formatBytes } from "@/components/browser/format";
import type { PickedFile } from "./file-attachments";

/** What one pick or drop of files came to, once read. */
export interface ReadOutcome {
  accepted: PickedFile[];
  refusal: string | null;
}

let nextFileKey = 0;

/** The §3 content of a text and files; an empty text is kept only when nothing else is there. */
export function contentOf(text: string, files: PickedFile[]): SecretContent {
  const content: SecretContent = {};
  if (text !== "" || files.length === 0) content.text = text;
  if (files.length > 0)
    content.files = files.map(({ name, type, bytes }) => ({ name, type, bytes }));
  return content;
}

/** Bytes of ciphertext this content encrypts to (the same for secretbox and box), or null if it cannot be encoded. */
export function encryptedSize(text: string, files: PickedFile[]): number | null {
  if (text === "" && files.length === 0) return null;
  try {
    return ciphertextSize(envelopeSize(contentOf(text, files)));
  } catch {
    return null;
  }
}

/**
 * Reads picked files into memory (they are encrypted as a whole anyway), except one that
 * alone is over the server's limit: it is refused without being read. The limit is
 * awaited, so a pick made before /api/config answered is still checked.
 */
async function readFiles(
  picked: File[],
  limit: () => Promise<number | null>,
): Promise<ReadOutcome> {
  const maxBytes = await limit();
  const accepted: PickedFile[] = [];
  const tooLarge: string[] = [];
  const unreadable: string[] = [];
  for (const file of picked) {
    if (maxBytes !== null && file.size > maxBytes) {
      tooLarge.push(`“${visibleFileName(file.name)}” (${formatBytes(file.size)})`);
      continue;
    }
    try {
      accepted.push({
        key: `f${++nextFileKey}`,
        name: file.name,
        type: file.type,
        bytes: new Uint8Array(await file.arrayBuffer()),
      });
    } catch {
      unreadable.push(`“${visibleFileName(file.name)}”`);
    }
  }
  const refusals: string[] = [];
  if (tooLarge.length > 0 && maxBytes !== null) {
    refusals.push(
      `${tooLarge.join(", ")} ${tooLarge.length === 1 ? "is" : "are"} larger than this server accepts (${formatBytes(maxBytes)} in all). Send a smaller file, or split it.`,
    );
  }
  if (unreadable.length > 0) {
    refusals.push(
      `This browser could not read ${unreadable.join(", ")} (moved, deleted or not allowed). Attach ${unreadable.length === 1 ? "it" : "them"} again.`,
    );
  }
  return { accepted, refusal: refusals.length > 0 ? refusals.join(" ") : null };
}

/**
 * The attached files of a form that encrypts them (create, and respond to a request), and
 * the reads still in progress, so that a submit can wait for them (issue 10 item 14: a
 * submit pressed while files were read used to see no content).
 *
 * `limit` resolves to the server's maxCiphertextBytes (null when unknown); `onRead` hears
 * every finished read, so the form can show a refusal or clear an earlier one.
 */
export function useFileAttachments({
  limit,
  onRead,
}: {
  limit: () => Promise<number | null>;
  onRead: (outcome: ReadOutcome) => void;
}) {
  const [files, setFilesState] = useState<PickedFile[]>([]);
  const [pendingReads, setPendingReads] = useState(0);
  /** The files as of now, for a submit that resumes after reads its render did not see. */
  const filesNow = useRef<PickedFile[]>([]);
  const reads = useRef(new Set<Promise<ReadOutcome>>());

  const setFiles = useCallback((update: (current: PickedFile[]) => PickedFile[]) => {
    filesNow.current = update(filesNow.current);
    setFilesState(filesNow.current);
  }, []);

  const addFiles = useCallback(
    (picked: File[]) => {
      if (picked.length === 0) return;
      const read = readFiles(picked, limit).then((outcome) => {
        if (outcome.accepted.length > 0) setFiles((current) => [...current, ...outcome.accepted]);
        onRead(outcome);
        return outcome;
      });
      reads.current.add(read);
      setPendingReads((count) => count + 1);
      void read.finally(() => {
        reads.current.delete(read);
        setPendingReads((count) => count - 1);
      });
    },
    [limit, onRead, setFiles],
  );

  const removeFile = useCallback(
    (key: string) => setFiles((current) => current.filter((file) => file.key !== key)),
    [setFiles],
  );

  const clearFiles = useCallback(() => setFiles(() => []), [setFiles]);

  /** Whether reads are in progress right now (not as of the last render). */
  const reading = useCallback(() => reads.current.size > 0, []);

  /** Waits for every read in progress; the first refusal among them, or null. */
  const settleReads = useCallback(async (): Promise<string | null> => {
    const outcomes = await Promise.all([...reads.current]);
    return outcomes.find((outcome) => outcome.refusal !== null)?.refusal ?? null;
  }, []);

  /** The attached files after every read so far, for a submit that waited on them. */
  const currentFiles = useCallback(() => filesNow.current, []);

  return { files, addFiles, removeFile, clearFiles, pendingReads, reading, settleReads, currentFiles };
}
