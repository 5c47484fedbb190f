// Bundle src/index.ts into the integration's frontend folder and record the
// hash of the sources next to the bundle (a test compares it with the sources).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const out = join(here, "..", "custom_components", "municipal_iot", "frontend");

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((item) =>
    item.isDirectory() ? files(join(dir, item.name)) : [join(dir, item.name)],
  );
}

export function sourcesHash() {
  const inputs = ["package.json", "package-lock.json", "tsconfig.json", "build.mjs"]
    .map((name) => join(here, name))
    .concat(files(join(here, "src")));
  const hash = createHash("sha256");
  for (const path of inputs.map((path) => relative(here, path)).sort()) {
    hash.update(path + "\0");
    hash.update(readFileSync(join(here, path)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

await build({
  entryPoints: [join(here, "src", "index.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  outfile: join(out, "municipal-iot.js"),
  logLevel: "warning",
});
writeFileSync(join(out, "municipal-iot.js.sources-sha256"), sourcesHash() + "\n");
