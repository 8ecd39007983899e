/**
 * `npm run setup:python`: makes `.venv` at the project root hold what python/requirements.txt
 * pins (ops, ops-scenario, the certificate_transfer library, pytest, mypy). It does nothing when
 * the environment is current: a stamp in .venv records the hash of the requirements it was built
 * from. A missing or unusable Python gives one line naming what to install, and exit code 1.
 *
 * CHARMSIM_PYTHON names the interpreter to build the environment with (default `python3`).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const venv = join(root, ".venv");
const venvPython = join(venv, "bin", "python");
const requirements = join(root, "python", "requirements.txt");
const stampFile = join(venv, ".charmsim-requirements.sha256");
const basePython = process.env.CHARMSIM_PYTHON ?? "python3";
const INSTALL_HINT =
  "install Python 3.10 or newer with venv and pip (Debian/Ubuntu: apt-get install python3 python3-venv), or set CHARMSIM_PYTHON to such an interpreter";

class SetupError extends Error {}

function run(command: string, args: string[], quiet = true) {
  return spawnSync(command, args, {
    encoding: "utf8",
    stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
}

function stamp(): string {
  return createHash("sha256").update(readFileSync(requirements)).digest("hex");
}

function isCurrent(expected: string): boolean {
  if (!existsSync(venvPython) || !existsSync(stampFile)) return false;
  if (readFileSync(stampFile, "utf8").trim() !== expected) return false;
  // Found, not imported: importing Scenario takes a second, this check runs before every test run.
  const find =
    "import sys; from importlib.util import find_spec as f; sys.exit(0 if f('ops') and f('scenario') and f('pytest') else 1)";
  return run(venvPython, ["-c", find]).status === 0;
}

function checkBasePython(): void {
  const probe = run(basePython, [
    "-c",
    "import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 3)",
  ]);
  if (probe.error) throw new SetupError(`cannot run "${basePython}": ${INSTALL_HINT}`);
  if (probe.status === 3)
    throw new SetupError(`"${basePython}" is older than 3.10: ${INSTALL_HINT}`);
  if (probe.status !== 0) {
    throw new SetupError(
      `"${basePython}" has no venv/ensurepip module (${lastLine(probe.stderr)}): ${INSTALL_HINT}`,
    );
  }
}

function lastLine(text: string | null): string {
  const lines = (text ?? "").trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

function setUp(): void {
  const expected = stamp();
  if (isCurrent(expected)) return;
  checkBasePython();
  if (existsSync(venv) && run(venvPython, ["-c", "pass"]).status !== 0) {
    rmSync(venv, { recursive: true, force: true }); // left half-made, or its Python is gone
  }
  if (!existsSync(venvPython)) {
    console.log(`setup:python: creating .venv with ${basePython}`);
    const made = run(basePython, ["-m", "venv", venv]);
    if (made.status !== 0)
      throw new SetupError(
        `"${basePython} -m venv" failed (${lastLine(made.stderr)}): ${INSTALL_HINT}`,
      );
  }
  console.log("setup:python: installing python/requirements.txt into .venv");
  const pip = run(
    venvPython,
    ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements],
    false,
  );
  if (pip.status !== 0) {
    throw new SetupError(
      "pip could not install python/requirements.txt into .venv (see its output above); check the network access to the Python package index",
    );
  }
  writeFileSync(stampFile, `${expected}\n`);
}

const ct11 = join(venv, "ct-1.1");
const ct11Python = join(ct11, "bin", "python");
const ct11Lib = join(ct11, "lib-ct");
const ct11Requirements = join(root, "python", "requirements-ct-1.1.txt");
const ct11StampFile = join(ct11, ".charmsim-requirements.sha256");

/**
 * The certificate_transfer library 1.1.0 beside 1.0.0: its own interpreter (a venv without
 * packages, so charmsim gives it a worker of its own) whose path holds the 1.1.0 package first,
 * then .venv's site-packages (a .pth file). Rebuilt when its pin file changes.
 */
function setUpCt11(): void {
  const expected = createHash("sha256").update(readFileSync(ct11Requirements)).digest("hex");
  if (
    existsSync(ct11Python) &&
    existsSync(ct11StampFile) &&
    readFileSync(ct11StampFile, "utf8").trim() === expected
  )
    return;
  rmSync(ct11, { recursive: true, force: true });
  console.log("setup:python: installing python/requirements-ct-1.1.txt into .venv/ct-1.1");
  const made = run(venvPython, ["-m", "venv", "--without-pip", ct11]);
  if (made.status !== 0)
    throw new SetupError(`could not create .venv/ct-1.1 (${lastLine(made.stderr)})`);
  const pip = run(
    venvPython,
    [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "-q",
      "--no-deps",
      "--target",
      ct11Lib,
      "-r",
      ct11Requirements,
    ],
    false,
  );
  if (pip.status !== 0)
    throw new SetupError(
      "pip could not install python/requirements-ct-1.1.txt (see its output above); check the network access to the Python package index",
    );
  const sitePackages = (python: string) =>
    run(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.trim();
  const own = sitePackages(ct11Python);
  const base = sitePackages(venvPython);
  if (!own || !base) throw new SetupError("could not find the site-packages of .venv/ct-1.1");
  writeFileSync(join(own, "charmsim-ct-1.1.pth"), `${ct11Lib}\n${base}\n`);
  writeFileSync(ct11StampFile, `${expected}\n`);
}

try {
  setUp();
  setUpCt11();
} catch (e) {
  if (!(e instanceof SetupError)) throw e;
  console.error(`setup:python: ${e.message}`);
  process.exitCode = 1;
}
