// A relation naming an endpoint web does not have (it is "database").
import { Db, dbMeta, Web, webMeta } from "./url-charms.js";

export default {
  name: "bad-relation",
  applications: {
    db: { charm: Db, meta: dbMeta },
    web: { charm: Web, meta: webMeta },
  },
  relations: [["db:database", "web:db"]],
};
