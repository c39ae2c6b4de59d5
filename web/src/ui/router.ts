// Client-side routes on real paths (kringd answers index.html for paths without a dot).
import { signal } from "@preact/signals";

export type Route =
  | { name: "home" }
  | { name: "network"; networkId: bigint }
  | { name: "thread"; networkId: bigint; threadId: bigint }
  | { name: "invitations" }
  | { name: "approve"; invitationId: bigint }
  | { name: "accept"; networkId: bigint }  // a network opened for the client
  | { name: "circle" }
  | { name: "log"; client?: string }  // a representative names the client
  | { name: "password" };

export function parseRoute(path: string): Route {
  const parts = path.split("/").filter(Boolean);
  const id = (s: string | undefined) => (s && /^[0-9]{1,20}$/.test(s) ? BigInt(s) : undefined);
  if (parts[0] === "n" && id(parts[1]) !== undefined) {
    if (parts[2] === "t" && id(parts[3]) !== undefined) {
      return { name: "thread", networkId: id(parts[1])!, threadId: id(parts[3])! };
    }
    return { name: "network", networkId: id(parts[1])! };
  }
  if (parts[0] === "invitations") {
    if (id(parts[1]) !== undefined) return { name: "approve", invitationId: id(parts[1])! };
    return { name: "invitations" };
  }
  if (parts[0] === "requests" && id(parts[1]) !== undefined) return { name: "accept", networkId: id(parts[1])! };
  if (parts[0] === "circle") return { name: "circle" };
  if (parts[0] === "password") return { name: "password" };
  if (parts[0] === "log") {
    const client = parts[1] && /^[a-z0-9._-]{1,64}$/.test(parts[1]) ? parts[1] : undefined;
    return client ? { name: "log", client } : { name: "log" };
  }
  return { name: "home" };
}

export function pathOf(r: Route): string {
  switch (r.name) {
    case "home":
      return "/";
    case "network":
      return `/n/${r.networkId}`;
    case "thread":
      return `/n/${r.networkId}/t/${r.threadId}`;
    case "invitations":
      return "/invitations";
    case "approve":
      return `/invitations/${r.invitationId}`;
    case "accept":
      return `/requests/${r.networkId}`;
    case "circle":
      return "/circle";
    case "log":
      return r.client ? `/log/${r.client}` : "/log";
    case "password":
      return "/password";
  }
}

export const route = signal<Route>(
  typeof location === "undefined" ? { name: "home" } : parseRoute(location.pathname),
);

export function navigate(path: string) {
  if (location.pathname !== path) history.pushState(null, "", path);
  route.value = parseRoute(path);
  // Move focus to the new screen's heading, so keyboard and screen reader users land on it.
  // After the render (Preact batches it), hence the animation frame.
  requestAnimationFrame(() => document.querySelector<HTMLElement>("main h1")?.focus());
}

if (typeof window !== "undefined") {
  addEventListener("popstate", () => {
    route.value = parseRoute(location.pathname);
  });
}
