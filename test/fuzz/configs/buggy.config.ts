import { defineFuzzConfig } from "../../../src/fuzz/user/index.js";
import { webLearnsTheUrl } from "./properties.js";
import { Db, dbMeta, WebJoinedOnly, webMeta } from "./url-charms.js";

export default defineFuzzConfig({
  name: "url-buggy",
  applications: {
    db: { charm: Db, meta: dbMeta, units: [1, 3] },
    web: { charm: WebJoinedOnly, meta: webMeta, units: [1, 3] },
  },
  properties: { "web learns the url": webLearnsTheUrl },
});
