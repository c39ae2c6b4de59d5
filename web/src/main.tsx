// The app's entry point: mounts the root view. See docs/web.md.
import "./app.css";
import { render } from "preact";
import { App } from "./ui/app";

const root = document.getElementById("app");
if (root) render(<App />, root);
