/**
 * The README's nginx example, as written: `nginx -t` accepts it, and one request through
 * it to the real server with TRUST_PROXY=1 shows Burnlink believing nginx's view of the
 * client (the address nginx appends), not an X-Forwarded-For the client forged.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProofFromLinkKey } from "@/lib/crypto/keys";
import { bytesToBase64url } from "@/lib/crypto/encoding";
import { freePort } from "../support/free-port";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { makeSecret, eventually } from "../api/support";
import { readmeBlock } from "./readme-blocks";

const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((candidate) => existsSync(candidate));
const FORGED = "203.0.113.9";

interface Reply {
  status: number;
  body: unknown;
}

describe("the README's nginx example", () => {
  let app: NextServer;
  let nginx: ChildProcess | undefined;
  let dir: string;
  let nginxPort: number;
  let ca: string;

  /** One HTTPS call through nginx, claiming to come from FORGED. */
  function viaNginx(method: string, pathname: string, json?: unknown): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const body = json === undefined ? undefined : JSON.stringify(json);
      const request = https.request(
        {
          host: "127.0.0.1",
          port: nginxPort,
          method,
          path: pathname,
          ca,
          servername: "secrets.example.com",
          headers: {
            Host: "secrets.example.com",
            "X-Forwarded-For": FORGED,
            ...(body === undefined
              ? {}
              : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }),
          },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              body: text === "" ? undefined : (JSON.parse(text) as unknown),
            }),
          );
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  /** The README's server block, pointed at this test's ports and certificate. */
  function configuredServerBlock(appPort: number): string {
    const block = readmeBlock("nginx");
    const replaced = block
      .replace(/^\s*listen \[::\]:443 ssl;\n/m, "")
      .replace("listen 443 ssl;", `listen 127.0.0.1:${nginxPort} ssl;`)
      .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${dir}/cert.pem;`)
      .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${dir}/key.pem;`)
      .replace("http://127.0.0.1:3000", `http://127.0.0.1:${appPort}`);
    // Every substitution must have matched, or the test would run some other config.
    expect(replaced).toContain(`listen 127.0.0.1:${nginxPort} ssl;`);
    expect(replaced).toContain(`${dir}/cert.pem`);
    expect(replaced).toContain(`${dir}/key.pem`);
    expect(replaced).toContain(`http://127.0.0.1:${appPort}`);
    return replaced;
  }

  beforeAll(async () => {
    if (!NGINX)
      throw new Error(
        "nginx is not installed (Debian: apt-get install nginx-light); .ci/run installs it",
      );
    dir = mkdtempSync(path.join(tmpdir(), "burnlink-nginx-"));
    mkdirSync(path.join(dir, "tmp"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
        "-subj",
        "/CN=secrets.example.com",
        "-addext",
        "subjectAltName=DNS:secrets.example.com",
      ],
      { stdio: "ignore" },
    );
    ca = readFileSync(path.join(dir, "cert.pem"), "utf8");
    app = await startNextServer({ env: { TRUST_PROXY: "1" } });
    nginxPort = await freePort();
    const conf = [
      "daemon off;",
      "master_process off;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      "events {}",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (kind) => `  ${kind}_temp_path ${dir}/tmp/${kind};`,
      ),
      configuredServerBlock(app.port),
      "}",
      "",
    ].join("\n");
    writeFileSync(path.join(dir, "nginx.conf"), conf);
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    nginx?.kill("SIGTERM");
    await app?.stop();
  });

  it("passes nginx -t", () => {
    const output = execFileSync(NGINX!, ["-t", "-p", dir, "-c", path.join(dir, "nginx.conf")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(output).toBe("");
  });

  it("lets TRUST_PROXY=1 see the address nginx saw, never the forged one", async () => {
    nginx = spawn(NGINX!, ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stdio: "ignore" });
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect(nginxPort, "127.0.0.1", () => {
            socket.destroy();
            resolve(true);
          });
          socket.on("error", () => resolve(false));
        }),
    );

    // Allowed for the real client (127.0.0.1): nginx's appended address decides.
    const local = await makeSecret({ allowedIps: ["127.0.0.1"] });
    expect((await viaNginx("POST", "/api/secrets", local.request)).status).toBe(201);
    const localAccess = bytesToBase64url(accessProofFromLinkKey(local.sealed.linkKey));
    const allowed = await viaNginx("POST", `/api/secrets/${local.sealed.id}/check`, {
      access: localAccess,
    });
    expect(allowed.status).toBe(200);

    // Allowed only for the forged address: refused, so the forged header was not believed.
    const forged = await makeSecret({ allowedIps: [FORGED] });
    expect((await viaNginx("POST", "/api/secrets", forged.request)).status).toBe(201);
    const forgedAccess = bytesToBase64url(accessProofFromLinkKey(forged.sealed.linkKey));
    const refused = await viaNginx("POST", `/api/secrets/${forged.sealed.id}/check`, {
      access: forgedAccess,
    });
    expect(refused.status).toBe(403);
    expect((refused.body as { error: string }).error).toBe("ip_not_allowed");
  });
});
