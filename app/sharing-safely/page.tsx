import type { Metadata } from "next";
import { BulletList, Section } from "@/components/ui/section";
import { PageTitle } from "@/components/ui/card";
import { getServerConfig } from "@/lib/server/config";

export const metadata: Metadata = { title: "Sharing safely" };

export default function SharingSafelyPage() {
  // The operator's text is rendered as text (React escapes it); never as HTML or Markdown.
  const operatorText = getServerConfig().guidelinesText;
  return (
    <>
      <PageTitle lead="Burnlink keeps the server blind. These habits keep the rest of the handoff safe.">
        Sharing safely
      </PageTitle>
      <div className="space-y-6">
        {operatorText !== null ? (
          <Section title="This organisation's policy">
            <p className="whitespace-pre-wrap" data-testid="operator-guidelines">
              {operatorText}
            </p>
          </Section>
        ) : null}
        <Section title="Before you send">
          <BulletList
            items={[
              "Pick the shortest expiry that works and one view. A link that is gone cannot leak later.",
              "Add a passphrase for anything that matters, and send it through another channel than the link (say the link by email, the passphrase by phone or chat).",
              "For partners and contractors, restrict the secret to their network addresses.",
              "Send the link to one named person, never to a group channel or a ticket that many people read.",
            ]}
          />
        </Section>
        <Section title="After the handoff">
          <BulletList
            items={[
              "Read the timeline on the manage link: it shows when the secret was viewed and from which network.",
              "If it was viewed by someone else, or you are unsure, burn it and rotate the credential at once.",
              "Rotate shared credentials after the handoff when you can, and always when an engagement ends.",
            ]}
          />
        </Section>
        <Section title="When a link leaked">
          <BulletList
            items={[
              "Burn it from its manage link: the ciphertext is deleted at once, and anyone opening the link is told it was burned.",
              "Rotate the credential it carried: a burned link stops future readers, not someone who already read it.",
              "Read the timeline to learn whether and when it was viewed, and from which network.",
            ]}
          />
        </Section>
      </div>
    </>
  );
}
