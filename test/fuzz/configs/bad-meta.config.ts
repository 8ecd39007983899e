// Charm metadata that does not load: an endpoint without its interface.
import { Db, Web, webMeta } from "./url-charms.js";

export default {
  name: "bad-meta",
  applications: {
    db: { charm: Db, meta: { name: "db", provides: { database: {} } } },
    web: { charm: Web, meta: webMeta },
  },
};
