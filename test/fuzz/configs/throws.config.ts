// A module that fails while loading.
throw new Error("the config module could not reach its charms");
