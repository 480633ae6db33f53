// Imported by both apps: the phone's join screen (pwa/js/join-notice.js) and the staff pages'
// first sign-in (pwa/admin/notice.js). The privacy notice (GDPR art. 13), layered: two plain
// sentences, then the full notice. How long each thing is kept is not written here: it comes
// from GET /api/privacy/notice, which reads the same table gallring follows
// (api/ops/retention.py), so the notice cannot promise other periods than the server keeps.

import { h, replace } from "./dom.js";

export const CONTROLLER = "Socialdemokraterna i Göteborgsområdet (partidistriktet)";

// audience: "volunteer" (the phone, before joining) or "staff" (staff and organisers in /admin).
export function noticeShort(audience) {
  const stored =
    audience === "volunteer"
      ? "Partidistriktet sparar ditt förnamn och vilka dörrar du loggar, så att din arbetskrets kan planera knackningen. Loggar som verkar orimliga kan granskas av din organisatör."
      : "Partidistriktet sparar ditt namn, din e-post och vad du läser och ändrar om andra personer, så att arbetet kan organiseras och granskas.";
  return [h("p", {}, stored), h("p", {}, "Vi sparar aldrig något om de boende: inte vem som öppnade, var eller vad de tycker.")];
}

async function noticeFacts() {
  const response = await fetch("/api/privacy/notice", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`notice ${response.status}`);
  return response.json();
}

// Where to turn (KNACKA_PRIVACY_CONTACT): an e-mail address or an https page.
function contactLink(contact) {
  return h("a", { href: contact.includes("@") ? `mailto:${contact}` : contact }, contact);
}

// The full notice; the periods are filled in when the server answers.
export function noticeFull(audience) {
  const volunteer = audience === "volunteer";
  const kept = h("ul", { class: "notice-periods" }, h("li", {}, "Hämtar lagringstiderna …"));
  const contact = h("p", { class: "notice-contact", hidden: true });
  noticeFacts()
    .then((facts) => {
      replace(
        kept,
        facts.periods.map((row) => h("li", {}, h("strong", {}, `${row.what}: `), row.kept)),
      );
      if (facts.contact) {
        replace(contact, "Frågor om dina uppgifter, och för att använda dina rättigheter: ", contactLink(facts.contact), ".");
        contact.hidden = false;
      }
    })
    .catch(() =>
      replace(
        kept,
        h("li", {}, "Lagringstiderna kunde inte hämtas just nu. Fråga din organisatör, eller öppna Läs mer igen när du har nät."),
      ),
    );
  return h(
    "div",
    { class: "notice-full" },
    h("h3", {}, "Vem ansvarar"),
    h("p", {}, `${CONTROLLER} är personuppgiftsansvarig för Knacka.`),
    contact,
    h("h3", {}, "Vad vi sparar om dig"),
    h(
      "p",
      {},
      volunteer
        ? "Ditt förnamn, vilken arbetskrets du är med i, vilka valdistrikt du fått, när du loggat in och dina loggar: valdistrikt, hur det gick vid dörren, om någon blev medlem, om material lämnades och när."
        : "Ditt namn, din e-post, ditt lösenord (bara som ett hashvärde), din tvåstegsverifiering, vilka arbetskretsar du har hand om, när du loggat in och en logg över när du läser eller ändrar uppgifter om andra personer.",
    ),
    h("h3", {}, "Vem ser det"),
    h(
      "p",
      {},
      volunteer
        ? "Din arbetskrets organisatörer och partidistriktets anställda. När det finns arbetspass ser passledaren vilka som är med på passet. Den som driver servern åt partidistriktet kommer åt databasen men får bara använda den på partidistriktets uppdrag."
        : "Partidistriktets anställda, och den som driver servern åt partidistriktet. Vad du läst och ändrat syns bara för partidistriktets anställda.",
    ),
    h("h3", {}, "Hur länge"),
    kept,
    h("h3", {}, "Varför och med vilken rätt"),
    h(
      "p",
      {},
      "För att organisera valrörelsens dörrknackning. Att du är med visar att du är engagerad i ett parti. Det får partiet behandla om sina medlemmar och personer som har regelbunden kontakt med partiet, så länge uppgifterna inte lämnas ut utanför partiet (dataskyddsförordningen artikel 9.2 d), med partiets berättigade intresse av att organisera valrörelsen som grund (artikel 6.1 f).",
    ),
    h("h3", {}, "De boende"),
    h(
      "p",
      {},
      "Knacka sparar aldrig namn, adress, lägenhet, telefonnummer, fritext eller telefonens position. Bara att en dörr i ett valdistrikt knackades, hur det gick och vilka ämnen som kom upp.",
    ),
    h("h3", {}, "Granskning"),
    h(
      "p",
      {},
      "Loggar som verkar orimliga, till exempel väldigt många dörrar på kort tid, kan granskas av organisatörerna i arbetskretsen (din egen, och den där du knackat) eller partidistriktet. De bestämmer om loggarna stämmer eller ska strykas; inget stryks av sig självt. Granskningen handlar om loggarna, inte om dig, ingen annan volontär ser den, och den upphör efter 30 dagar.",
    ),
    h("h3", {}, "Dina rättigheter"),
    h(
      "p",
      {},
      "Du har rätt att få veta allt vi sparar om dig (ett utdrag), att få fel rättat, att få dina uppgifter raderade och att invända mot behandlingen. " +
        (volunteer
          ? "Be din organisatör eller partidistriktet: de kan ta fram utdraget och radera dig. Du kan själv logga ut och radera allt på telefonen."
          : "Be partidistriktet: de kan ta fram utdraget och radera ditt konto."),
    ),
    h("p", {}, "Tycker du att vi gör fel kan du klaga hos Integritetsskyddsmyndigheten (IMY)."),
  );
}
