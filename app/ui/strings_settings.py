"""UI strings for adding parcels, settings and the demo: key -> (Deutsch, English)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------------ Add ---------------
    "add.field": (
        "Sendungsnummer oder Versandbestätigung einfügen",
        "Paste a tracking number or shipping confirmation",
    ),
    "add.hint": (
        "Eine Nummer oder die ganze E-Mail des Shops: Paketpilot findet die Nummern darin.",
        "One number or the shop's whole e-mail: Paketpilot finds the numbers in it.",
    ),
    "add.found_one": ("1 Sendungsnummer gefunden", "Found 1 tracking number"),
    "add.found_many": ("{count} Sendungsnummern gefunden", "Found {count} tracking numbers"),
    "add.none_found": (
        "In diesem Text steht keine Sendungsnummer.",
        "There is no tracking number in this text.",
    ),
    "add.not_a_number": (
        "Das ist keine Sendungsnummer: {reason}",
        "Not a tracking number: {reason}",
    ),
    "add.carrier": ("Versanddienst", "Carrier"),
    "add.detected": ("Erkannt: {carrier}", "Detected: {carrier}"),
    "add.no_access": (
        "Für {carrier} ist kein Zugang eingerichtet: die Sendung wird gespeichert, aber erst "
        "abgerufen, wenn einer eingerichtet ist.",
        "No access is set up for {carrier}: the parcel is saved, but checked only once one is "
        "set up.",
    ),
    "add.choose": (
        "Passt zu mehreren Versanddiensten. Welcher ist es?",
        "Fits several carriers. Which one is it?",
    ),
    "add.other_carrier": ("Anderer Versanddienst", "Another carrier"),
    "add.remembered": ("Deine frühere Wahl", "Your earlier choice"),
    "add.include": ("Diese Sendung hinzufügen", "Add this one"),
    "add.duplicate": ("Wird schon verfolgt", "Already being tracked"),
    "add.open": ("Öffnen", "Open"),
    "add.order": ("Bestellung (optional)", "Order (optional)"),
    "add.order_none": ("Ohne Bestellung", "No order"),
    "add.order_new": ("Neue Bestellung", "New order"),
    "add.shop": ("Shop", "Shop"),
    "add.order_number": ("Bestellnummer", "Order number"),
    "add.title": ("Bezeichnung, z. B. „Winterschuhe“", "Name, e.g. “Winter boots”"),
    "add.submit": ("Hinzufügen", "Add"),
    "add.added_one": ("Sendung hinzugefügt", "Parcel added"),
    "add.added_many": ("{count} Sendungen hinzugefügt", "{count} parcels added"),
    "add.nothing": ("Nichts Neues zum Hinzufügen.", "Nothing new to add."),
    "add.need_shop": ("Bitte den Shop angeben.", "Please name the shop."),
    # detect()'s reasons, by their beginning
    "reason.empty": ("leer", "empty"),
    "reason.phone": ("sieht aus wie eine Telefonnummer", "looks like a phone number"),
    "reason.amazon": (
        "sieht aus wie eine Amazon-Bestellnummer, nicht wie eine Sendungsnummer",
        "looks like an Amazon order number, not a tracking number",
    ),
    "reason.iban": (
        "sieht aus wie eine IBAN, nicht wie eine Sendungsnummer",
        "looks like an IBAN, not a tracking number",
    ),
    "reason.short": (
        "zu kurz: {n} Zeichen, Sendungsnummern haben mindestens {min}",
        "too short: {n} characters, tracking numbers have at least {min}",
    ),
    "reason.long": ("zu lang für eine Sendungsnummer", "too long for a tracking number"),
    "reason.char": (
        "enthält das Zeichen „{char}“: erlaubt sind nur A–Z und 0–9",
        "contains the character “{char}”: only A–Z and 0–9 are allowed",
    ),
    "reason.nomatch": (
        "passt zu keinem bekannten Format",
        "matches no known tracking-number format",
    ),
    # ------------------------------------------------------------------ Settings ----------
    "settings.accounts": ("Versanddienst-Konten", "Carrier accounts"),
    "settings.accounts_hint": (
        "Mit einem eigenen API-Schlüssel fragt Paketpilot den Versanddienst direkt.",
        "With your own API key Paketpilot asks the carrier directly.",
    ),
    "settings.aggregators": ("Sammeldienste", "Aggregator services"),
    "settings.aggregators_hint": (
        "AfterShip oder 17TRACK verfolgen viele Versanddienste mit einem Schlüssel.",
        "AfterShip or 17TRACK track many carriers with one key.",
    ),
    "settings.keychain": (
        "Dein Schlüssel liegt im Schlüsselbund des Systems",
        "Your key is stored in the system keychain",
    ),
    "settings.demo_keys": (
        "Demo: Die Konten zeigen auf den eingebauten Sandbox-Server, die Schlüssel sind nur im "
        "Speicher.",
        "Demo: the accounts point at the built-in sandbox server; the keys are in memory only.",
    ),
    "settings.configured": ("Eingerichtet", "Set up"),
    "settings.not_configured": ("Nicht eingerichtet", "Not set up"),
    "settings.keyless": ("Aktiv, kein Schlüssel nötig", "Active, no key needed"),
    "settings.active_one": ("1 aktive Sendung", "1 active parcel"),
    "settings.active_many": ("{count} aktive Sendungen", "{count} active parcels"),
    "settings.label": ("Name des Kontos", "Account name"),
    "settings.save": ("Speichern", "Save"),
    "settings.saved": ("Gespeichert", "Saved"),
    "settings.remove": ("Entfernen", "Remove"),
    "settings.removed": ("Konto entfernt", "Account removed"),
    "settings.test": ("Verbindung testen", "Test connection"),
    "settings.testing": ("Teste die Verbindung …", "Testing the connection …"),
    "settings.test_ok": (
        "Verbindung klappt: der Schlüssel wird angenommen.",
        "Connection works: the key is accepted.",
    ),
    "settings.test_auth": (
        "Schlüssel abgelehnt (AUTH_FAILED): {detail}",
        "Key refused (AUTH_FAILED): {detail}",
    ),
    "settings.test_unavailable": (
        "Dienst nicht erreichbar (UNAVAILABLE): {detail}",
        "Service unreachable (UNAVAILABLE): {detail}",
    ),
    "settings.test_other": ("{what} ({kind}): {detail}", "{what} ({kind}): {detail}"),
    "settings.missing": ("Bitte ausfüllen: {fields}", "Please fill in: {fields}"),
    "settings.keychain_error": (
        "Der Schlüsselbund ist nicht erreichbar: {detail}",
        "The keychain is not available: {detail}",
    ),
    "settings.secret_kept": (
        "Gespeichert – leer lassen, um ihn zu behalten",
        "Saved – leave empty to keep it",
    ),
    "settings.notifications": ("Benachrichtigungen", "Notifications"),
    "settings.notifications_hint": (
        "Worüber Paketpilot dich benachrichtigt.",
        "What Paketpilot tells you about.",
    ),
    "notify.kind.shipped": ("Versandt", "Shipped"),
    "notify.kind.out_for_delivery": ("In Zustellung", "Out for delivery"),
    "notify.kind.ready_for_pickup": ("Abholbereit", "Ready for pickup"),
    "notify.kind.delivered": ("Zugestellt", "Delivered"),
    "notify.kind.problem": ("Probleme", "Problems"),
    "notify.kind.eta_moved": ("Neuer Liefertermin", "Delivery date moved"),
    "notify.kind.stalled": ("Keine Bewegung mehr", "No movement"),
    "settings.quiet": ("Ruhezeit", "Quiet hours"),
    "settings.quiet_hint": (
        "In dieser Zeit zeigt das Gerät keine Benachrichtigungen, auch nicht bei Problemen. "
        "Was sich geändert hat, kommt danach gesammelt. E-Mail-Updates warten nicht.",
        "No notifications on this device during these hours, problems included. What changed "
        "arrives afterwards, collected. E-mail updates do not wait.",
    ),
    "settings.quiet_from": ("Von (HH:MM)", "From (HH:MM)"),
    "settings.quiet_to": ("Bis (HH:MM)", "To (HH:MM)"),
    "settings.quiet_bad": ("Bitte als HH:MM angeben, z. B. 22:00.", "Use HH:MM, e.g. 22:00."),
    "settings.email": ("E-Mail-Benachrichtigungen", "E-mail updates"),
    "settings.email_on": ("Updates per E-Mail schicken", "Send updates by e-mail"),
    "settings.email_host": ("SMTP-Server", "SMTP server"),
    "settings.email_port": ("Port", "Port"),
    "settings.email_security": ("Verschlüsselung", "Security"),
    "settings.email_user": ("Benutzername", "User name"),
    "settings.email_password": ("Passwort", "Password"),
    "settings.email_from": ("Absender", "From"),
    "settings.email_to": ("Empfänger", "To"),
    "settings.language": ("Sprache", "Language"),
    "settings.theme": ("Design", "Theme"),
    "settings.system": ("Wie das System", "System default"),
    "settings.lang_de": ("Deutsch", "Deutsch"),
    "settings.lang_en": ("English", "English"),
    "settings.theme_light": ("Hell", "Light"),
    "settings.theme_dark": ("Dunkel", "Dark"),
    "settings.data": ("Daten", "Data"),
    "settings.data_hint": (
        "Sicherung als JSON: Bestellungen, Sendungen und Einstellungen, ohne Schlüssel.",
        "Backup as JSON: orders, parcels and settings, without keys.",
    ),
    "settings.export": ("Exportieren", "Export"),
    "settings.export_file": ("Als Datei speichern", "Save as file"),
    "settings.export_text": ("Sicherung (zum Kopieren)", "Backup (to copy)"),
    "settings.copy": ("Kopieren", "Copy"),
    "settings.copied": ("Kopiert", "Copied"),
    "settings.import": ("Importieren", "Import"),
    "settings.import_text": ("Sicherung hier einfügen (JSON)", "Paste a backup here (JSON)"),
    "settings.import_file": ("Datei wählen", "Choose file"),
    "settings.import_done": (
        "Importiert: {orders} Bestellungen, {parcels} Sendungen",
        "Imported: {orders} orders, {parcels} parcels",
    ),
    "settings.import_failed": ("Import fehlgeschlagen: {detail}", "Import failed: {detail}"),
    "settings.about": ("Über Paketpilot", "About Paketpilot"),
    "settings.version": ("Version {version}", "Version {version}"),
    "settings.local_first": (
        "Local-first: kein Konto, deine Daten bleiben auf diesem Gerät.",
        "Local-first: no account, your data stays on this device.",
    ),
    "settings.licences": ("Lizenzen", "Licences"),
    "settings.licence_data": (
        "Daten der Sendungsnummern-Formate: tracking_number_data von Jeff Keen, MIT-Lizenz.",
        "Tracking-number formats: tracking_number_data by Jeff Keen, MIT licence.",
    ),
    "settings.licence_libs": (
        "Flet (Apache 2.0), httpx (BSD), SQLModel (MIT), keyring (MIT), desktop-notifier (MIT), "
        "plyer (MIT).",
        "Flet (Apache 2.0), httpx (BSD), SQLModel (MIT), keyring (MIT), desktop-notifier (MIT), "
        "plyer (MIT).",
    ),
    "settings.demo_running": (
        "Demo läuft: Daten und Konten sind nur zum Ausprobieren.",
        "Demo running: data and accounts are for trying things out.",
    ),
}
