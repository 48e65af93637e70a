import { useState, type FormEvent } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { LanguagePicker } from "../ui/LanguagePicker";
import { useSignIn } from "./useSession";

function refusal(error: Error, t: TFunction): string {
  if (!(error instanceof ApiError)) return t("signIn.unavailable");
  if (error.status === 429)
    return t("signIn.throttled", { seconds: error.retryAfterSeconds ?? 60 });
  if (error.status === 401) return t("signIn.refused");
  return t("signIn.unavailable");
}

export function SignIn({ expired }: { expired: boolean }) {
  const { t } = useTranslation();
  const signIn = useSignIn();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");

  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ name: name.trim(), password }, { onError: () => setPassword("") });
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark" />
          {t("app.name")}
        </div>
        <h1 id="signin-title">{t("signIn.title")}</h1>
        <p className="muted">{t("signIn.intro")}</p>
        {expired && !signIn.error && (
          <p className="notice" role="status">
            {t("signIn.expired")}
          </p>
        )}
        {signIn.error && (
          <p className="notice notice-error" role="alert">
            {refusal(signIn.error, t)}
          </p>
        )}
        <label className="field">
          <span>{t("signIn.name")}</span>
          <input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t("signIn.password")}</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" className="button button-primary" disabled={signIn.isPending}>
          {signIn.isPending ? t("signIn.working") : t("signIn.submit")}
        </button>
        <LanguagePicker />
      </form>
    </main>
  );
}
