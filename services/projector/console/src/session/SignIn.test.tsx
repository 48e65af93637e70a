import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { SignIn } from "./SignIn";

function answer(status: number, body: object, headers: Record<string, string> = {}) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response(JSON.stringify(body), { status, headers })),
  );
}

function renderSignIn() {
  void i18n.changeLanguage("en");
  render(
    <QueryClientProvider client={new QueryClient()}>
      <SignIn expired={false} />
    </QueryClientProvider>,
  );
}

async function submit() {
  await userEvent.type(screen.getByLabelText("User name"), "sam");
  await userEvent.type(screen.getByLabelText("Password"), "wrong password");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("sign in", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("says the pair does not match, never which part, and clears the password", async () => {
    answer(401, { error: "unauthenticated", message: "wrong name or password" });
    renderSignIn();
    await submit();
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "That name and password do not match.",
    );
    expect(screen.getByLabelText("Password")).toHaveValue("");
  });

  it("says how long to wait when slowed down", async () => {
    answer(429, { error: "throttled", message: "too many" }, { "Retry-After": "32" });
    renderSignIn();
    await submit();
    expect(await screen.findByRole("alert")).toHaveTextContent("Try again in 32 s.");
  });
});
