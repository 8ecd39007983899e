// A unit range that is not a range.
import { Db, dbMeta, Web, webMeta } from "./url-charms.js";

export default {
  name: "bad-units",
  applications: {
    db: { charm: Db, meta: dbMeta, units: [3, 1] },
    web: { charm: Web, meta: webMeta },
  },
};
