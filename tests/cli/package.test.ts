/**
 * The CLI as its users get it (issue 16 §1): `npm pack` in lib/cli, `npm install -g --prefix`
 * of that tarball, offline, into an empty folder, and the installed `burnlink` run from a
 * directory outside this repository against the real server. Nothing of the clone is on the
 * installed command's path: only Node and what the tarball holds.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "esbuild";
import { CLI_BUILD_OPTIONS } from "@/lib/cli/build.mjs";
import { EXIT } from "@/lib/cli/exit-codes";
import cliPackageJson from "@/lib/cli/package.json";
import { PROJECT_DIR } from "../support/global-setup";
import { startNextServer, type NextServer } from "../support/next-server";

const run = promisify(execFile);
const CLI_DIR = join(PROJECT_DIR, "lib", "cli");

interface PackResult {
  filename: string;
  size: number;
  files: Array<{ path: string }>;
}

let workDir: string;
let tarball: string;
let packed: PackResult;
let prefix: string;
let installed: string;
let server: NextServer;

/** npm itself, with a cache of its own so the run proves nothing came from a warm cache. */
function npm(args: string[], cwd: string) {
  return run("npm", [...args, "--cache", join(workDir, "npm-cache")], {
    cwd,
    env: { ...process.env, npm_config_update_notifier: "false" },
    maxBuffer: 16 * 1024 * 1024,
  });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "burnlink-package-"));
  const { stdout } = await npm(["pack", "--json", "--pack-destination", workDir], CLI_DIR);
  // The prepack script's banner may precede the JSON.
  const [result] = JSON.parse(stdout.slice(stdout.indexOf("["))) as PackResult[];
  if (result === undefined) throw new Error("npm pack reported nothing");
  packed = result;
  tarball = join(workDir, packed.filename);
  prefix = join(workDir, "prefix");
  await npm(
    ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", tarball],
    workDir,
  );
  installed = join(prefix, "bin", "burnlink");
  server = await startNextServer();
});

afterAll(async () => {
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The installed command, started through its bin link (shebang and all), as a shell would. */
function burnlink(args: string[], options: { input?: string; cwd?: string } = {}): Promise<Result> {
  const child = spawn(installed, args, {
    cwd: options.cwd ?? workDir,
    // Only Node on the PATH; none of the developer's BURNLINK_* variables.
    env: { PATH: dirname(process.execPath), HOME: workDir } as unknown as NodeJS.ProcessEnv,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on("error", () => {});
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
}

function expectOk(result: Result): void {
  expect(result.code, result.stderr).toBe(EXIT.ok);
}

describe("the burnlink npm package", () => {
  it("packs only the bundle, package.json, its README and the project's MIT license", async () => {
    expect(packed.files.map((file) => file.path).sort()).toEqual([
      "LICENSE",
      "README.md",
      "dist/burnlink.mjs",
      "package.json",
    ]);
    expect(await readFile(join(CLI_DIR, "LICENSE"), "utf8")).toBe(
      await readFile(join(PROJECT_DIR, "LICENSE"), "utf8"),
    );
    // Both READMEs pin the version being packed, so the examples install what was tested.
    const example = `npx burnlink@${cliPackageJson.version} send < .env`;
    expect(await readFile(join(CLI_DIR, "README.md"), "utf8")).toContain(example);
    const projectReadme = await readFile(join(PROJECT_DIR, "README.md"), "utf8");
    const cliSection = projectReadme.slice(projectReadme.indexOf("## Command line"));
    const firstExample = cliSection.slice(cliSection.indexOf("```sh")).split("\n")[1] ?? "";
    expect(firstExample.startsWith(example), firstExample).toBe(true);
  });

  it("declares a burnlink bin, an ES module and no runtime dependencies", () => {
    const manifest = cliPackageJson as Record<string, unknown>;
    expect(manifest.name).toBe("burnlink");
    expect(manifest.private).toBeUndefined();
    expect(manifest.type).toBe("module");
    expect(manifest.bin).toEqual({ burnlink: "dist/burnlink.mjs" });
    expect(manifest.license).toBe("MIT");
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    expect(manifest.optionalDependencies).toBeUndefined();
  });

  it("installs as one package with nothing under it: one minified, executable bundle", async () => {
    const root = join(prefix, "lib", "node_modules");
    expect(await readdir(root)).toEqual(["burnlink"]);
    expect((await readdir(join(root, "burnlink"))).sort()).toEqual([
      "LICENSE",
      "README.md",
      "dist",
      "package.json",
    ]);
    const bundle = await readFile(join(root, "burnlink", "dist", "burnlink.mjs"), "utf8");
    expect(bundle.startsWith("#!/usr/bin/env node\n")).toBe(true);
    // Minified: no per-module path comments as an unminified esbuild bundle has.
    expect(bundle).not.toMatch(/^\/\/ (lib|node_modules)\//m);
    expect(bundle.length / bundle.split("\n").length).toBeGreaterThan(300);
  });

  it("bundles tweetnacl and leaves only Node built-ins to import at run time", async () => {
    // esbuild's own account of the build npm pack ran: what went in, and what stays an import.
    const { metafile } = await build({ ...CLI_BUILD_OPTIONS, write: false, metafile: true });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((path) => path.startsWith("node_modules/tweetnacl/"))).toBe(true);
    expect(
      inputs.some((path) => path.startsWith("node_modules/") && !path.includes("tweetnacl")),
    ).toBe(false);
    const imports = Object.values(metafile.outputs).flatMap((output) => output.imports);
    expect(imports.length).toBeGreaterThan(0);
    for (const entry of imports) {
      const name = entry.path.replace(/^node:/, "");
      expect(entry.external && builtinModules.includes(name), entry.path).toBe(true);
    }
  });

  it("prints the package's version and its help", async () => {
    const version = await burnlink(["--version"]);
    expectOk(version);
    expect(version.stdout).toBe(`burnlink ${cliPackageJson.version}\n`);
    const help = await burnlink(["--help"]);
    expectOk(help);
    expect(help.stdout).toMatch(/^burnlink: share a secret/);
  });

  it("sends text, opens it once, shows the status and burns, against the real server", async () => {
    const secret = "API_KEY=sk_live_123\nPASSWORD=pä$$wörd\n";
    const sent = await burnlink(["send", "--server", server.url, "--views", "2"], {
      input: secret,
    });
    expectOk(sent);
    const shareLink = sent.stdout.trimEnd();
    expect(shareLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s#k[A-Za-z0-9_-]{43}$/);
    const manageLink = /http:\S+\/m#m[A-Za-z0-9_-]{65}/.exec(sent.stderr)?.[0] ?? "";
    expect(manageLink, sent.stderr).not.toBe("");

    const got = await burnlink(["get", shareLink]);
    expectOk(got);
    expect(got.stdout).toBe(secret);

    const status = await burnlink(["status", "--json", manageLink]);
    expectOk(status);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: "active", viewsLeft: 1 });

    const burned = await burnlink(["burn", manageLink]);
    expectOk(burned);
    expect(burned.stdout).toMatch(/^Burned: /);
    const after = await burnlink(["get", shareLink]);
    expect(after.code, after.stderr).toBe(EXIT.notFound);
    expect(after.stderr).toMatch(/sender burned/);
  });

  it("round-trips a file byte for byte through the installed command", async () => {
    const source = join(workDir, `files-${randomBytes(4).toString("hex")}`);
    const target = `${source}-received`;
    await mkdir(source);
    await mkdir(target);
    const bytes = randomBytes(150_000);
    await writeFile(join(source, "id_ed25519"), bytes);

    const sent = await burnlink(["send", "--server", server.url, "id_ed25519"], { cwd: source });
    expectOk(sent);
    const got = await burnlink(["get", sent.stdout.trimEnd(), "--only", "id_ed25519"], {
      cwd: target,
    });
    expectOk(got);
    expect((await readFile(join(target, "id_ed25519"))).equals(bytes)).toBe(true);
  });
});
