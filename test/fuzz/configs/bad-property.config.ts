// A property that is not a function.
import { Db, dbMeta, Web, webMeta } from "./url-charms.js";

export default {
  name: "bad-property",
  applications: {
    db: { charm: Db, meta: dbMeta },
    web: { charm: Web, meta: webMeta },
  },
  properties: { "web learns the url": "web/0 is active" },
};
