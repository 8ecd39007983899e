// Runs the command line from the sources (as bin/charmsim.js runs the compiled code).
import { main } from "../../../src/cli.js";

process.exitCode = await main(process.argv.slice(2));
