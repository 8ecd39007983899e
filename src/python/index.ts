// charmsim/python: unmodified Python ops charms in the simulation.

export { isPythonCharm, type PythonCharm, type PythonCharmOptions, pythonCharm } from "./charm.js";
export { PythonCharmError } from "./executor.js";
export { defaultPython, PythonSetupError, PythonWorker, PythonWorkerError } from "./worker.js";
