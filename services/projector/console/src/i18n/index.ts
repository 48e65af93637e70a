// Every visible string comes from a catalogue per language; numbers, dates and times go
// through Intl (ui/format.ts) in the call center's zone.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import ptBR from "./pt-BR.json";

export const languages = [
  { code: "en", label: "English" },
  { code: "pt-BR", label: "Português (Brasil)" },
] as const;
export type Language = (typeof languages)[number]["code"];

const storageKey = "callstream.language";

function initialLanguage(): Language {
  const saved = localStorage.getItem(storageKey);
  if (saved === "en" || saved === "pt-BR") return saved;
  return navigator.language.toLowerCase().startsWith("pt") ? "pt-BR" : "en";
}

export function setLanguage(code: Language) {
  localStorage.setItem(storageKey, code);
  void i18next.changeLanguage(code);
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, "pt-BR": { translation: ptBR } },
  lng: initialLanguage(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18next.on("languageChanged", (lng) => document.documentElement.setAttribute("lang", lng));
document.documentElement.setAttribute("lang", i18next.language);

export default i18next;
