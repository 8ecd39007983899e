// @peculiar/x509 needs the reflect-metadata polyfill loaded once, before it is imported.
import "reflect-metadata";
import fc from "fast-check";

// Property tests are reproducible: one seed (FC_SEED to explore others) drives every run.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261121) });
