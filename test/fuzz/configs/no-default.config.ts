// A module without a default export.
import { Db, dbMeta } from "./url-charms.js";

export const config = { name: "no-default", applications: { db: { charm: Db, meta: dbMeta } } };
