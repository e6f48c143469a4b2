// Runs vote.js under node for the known-answer tests: node run.js FUNCTION < input.json > output.json
const fs = require("fs"), path = require("path"), vm = require("vm");
const here = path.join(__dirname, "..", "static", "vote");
for (const f of ["vendor/noble-vote-2.4.0.js", "vote.js", "verify.js"]) vm.runInThisContext(fs.readFileSync(path.join(here, f), "utf8"), { filename: f });
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const V = globalThis.VecheVote;
const out = globalThis.VecheTests[process.argv[2]](V, input);
process.stdout.write(JSON.stringify(out));
