// @peculiar/x509 needs the reflect-metadata polyfill loaded once, before it is imported.
import "reflect-metadata";
