import { ensureBuild } from "./browser-support";

export default function globalSetup(): void {
  ensureBuild();
}
