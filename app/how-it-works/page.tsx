import type { Metadata } from "next";
import { PageTitle } from "@/components/ui/card";
import { BulletList, Section } from "@/components/ui/section";

export const metadata: Metadata = { title: "How it works" };

export default function HowItWorksPage() {
  return (
    <>
      <PageTitle lead="Burnlink encrypts in your browser and gives the key only to the link. Here is what that means, and where its limits are.">
        How it works
      </PageTitle>
      <div className="space-y-6">
        <Section title="Creating a secret">
          <ol className="list-decimal space-y-1.5 pl-5 marker:text-zinc-400">
            <li>Your browser draws a random 256-bit link key from its cryptographic random generator.</li>
            <li>
              It pads your text and files (so sizes leak little) and encrypts them with XSalsa20-Poly1305, using a key derived from the link key and, if
              you set one, your passphrase (PBKDF2-SHA-256, 600,000 rounds).
            </li>
            <li>It uploads only the ciphertext and three one-way verifiers, then shows you the link.</li>
          </ol>
          <p>
            The key sits after the <span className="font-mono">#</span> in the link. Browsers never send that part to a server, so it does not appear in our
            requests, logs or any proxy on the way.
          </p>
        </Section>

        <Section title="What the server stores">
          <BulletList
            items={[
              "The ciphertext, until it is read, burned or expires.",
              "A random-looking id and hashes of the proofs that let a link holder open, and the creator manage, the secret.",
              "When it expires, how many views are left, how many wrong passphrases were tried, and the optional IP allowlist.",
              "A short timeline (created, viewed, burned…) with each visitor’s network, masked by default (for example 203.0.113.0/24), kept a few days after expiry so the sender can see what happened.",
            ]}
          />
        </Section>

        <Section title="What the server never sees">
          <BulletList
            items={[
              "Your text, your files or their names.",
              "The link key, the manage key, the passphrase or the encryption key.",
              "Anything that could turn the stored ciphertext back into your secret.",
            ]}
          />
        </Section>

        <Section title="Opening a secret">
          <p>
            Opening the page only checks that the secret still exists: nothing is used up until someone presses Reveal, so link previews and
            scanners that only fetch the page do not burn it. A security sandbox that opens links in a real browser and clicks what it finds
            <em>can</em> press Reveal and burn it: if a link arrives already viewed, treat the secret as exposed. Revealing uses one view in a single atomic step; when the last view is used the server deletes the ciphertext.
          </p>
          <p>
            If a passphrase is wrong, the server counts it; after a few wrong tries (five by default) it destroys the secret. Anyone who later opens the
            link learns that it was already viewed, burned or expired, and when.
          </p>
        </Section>

        <Section title="The threat model, in plain words">
          <p className="font-medium text-zinc-900 dark:text-zinc-100">Burnlink protects you against:</p>
          <BulletList
            items={[
              "A breach of the server or its database: it holds only ciphertext, and no key to it.",
              "A link that lingers in a chat or mailbox: after it is used it opens nothing, and the recipient is told it was already viewed.",
              "Link previews and scanners that only fetch pages: they do not use up a view (a sandbox that also clicks Reveal can, and the recipient then sees it as already viewed).",
              "Guessing passphrases: only a few tries are allowed before the secret is destroyed.",
            ]}
          />
          <p className="font-medium text-zinc-900 dark:text-zinc-100">It cannot protect you against:</p>
          <BulletList
            items={[
              "Someone who gets the link (and passphrase) before the recipient: they can read it. If the recipient then sees “already viewed”, treat the secret as exposed. Send the passphrase through another channel.",
              "A compromised device or browser extension on either side.",
              "A server that is itself malicious and sends you altered JavaScript. If you do not trust the operator, use the command-line client, which does the same encryption locally.",
              "Traffic analysis: the server sees IP addresses, times and rounded sizes.",
            ]}
          />
        </Section>
      </div>
    </>
  );
}
