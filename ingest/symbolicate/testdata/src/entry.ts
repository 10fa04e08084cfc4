import { start } from "./app";

(globalThis as any).faultlineFixture = start;
