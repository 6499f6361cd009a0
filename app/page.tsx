import { CreateSecret } from "@/components/create/create-secret";
import { PageTitle } from "@/components/ui/card";

export default function CreatePage() {
  return (
    <>
      <PageTitle lead="Encrypted in your browser before it leaves. The link holds the key; the server keeps only ciphertext, and deletes it once it is read.">
        Share a secret, once
      </PageTitle>
      <CreateSecret />
    </>
  );
}
