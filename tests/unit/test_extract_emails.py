"""extract() on realistic shipping e-mails: exactly the tracking numbers, nothing else.

The e-mails carry the noise real ones do: order numbers, phone and service numbers, postcodes,
dates, prices, IBANs, customer and invoice numbers, links.
"""

from __future__ import annotations

import pytest

from app.domain.tracking_numbers import extract

DHL_DE = """\
Von: DHL Paket <noreply@dhl.de>
Betreff: Ihre DHL Sendung kommt am Dienstag, 12.05.2026

Hallo Max Mustermann,

Ihre Sendung von Beispiel-Shop GmbH ist unterwegs.

Sendungsnummer: 00340434571200384714
Voraussichtliche Zustellung: Dienstag, 12.05.2026, 10:00 - 14:00 Uhr

Zustelladresse:
Max Mustermann
Musterstraße 12
10115 Berlin

Bestellnummer: 4711-0815-2026
Fragen? Unser Kundenservice ist erreichbar unter 0228 4333112 oder +49 228 4333112.

Sendung verfolgen:
https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434571200384714

Mit freundlichen Grüßen
Ihr DHL Team
Deutsche Post AG, Charles-de-Gaulle-Str. 20, 53113 Bonn
"""

AMAZON_DE = """\
Von: Amazon.de <versandbestaetigung@amazon.de>
Betreff: Versandbestätigung Ihrer Amazon.de-Bestellung 302-1234567-1234567

Hallo Erika,

Ihr Paket ist unterwegs!
Bestellnummer 302-1234567-1234567
Lieferung: Mittwoch, 13. Mai 2026

Ihr Paket wird von Amazon zugestellt. Trackingnummer: TBA304583921007

Artikel: USB-C Ladegerät 65 W (ASIN B0C1234567)
Menge: 1
Gesamtbetrag: 1.234,56 €
Zahlung per Lastschrift von IBAN DE89 3704 0044 0532 0130 00
Kundennummer 1234567890123

Amazon EU S.à r.l., 38 avenue John F. Kennedy, L-1855 Luxemburg
"""

HERMES_DE = """\
Von: Hermes <info@myhermes.de>
Betreff: Dein Paket ist auf dem Weg zu dir

Hallo Erika,

dein Paket von OTTO ist unterwegs. Deine Hermes Sendungsnummer: 4045612345678901
Wir stellen voraussichtlich am 14.05.2026 zwischen 12:00 und 16:00 Uhr zu.

Nicht zu Hause? Du kannst dein Paket an einen PaketShop umleiten:
https://www.myhermes.de/empfangen/sendungsverfolgung/?trackingId=4045612345678901

Auftragsnummer 98765432101234
Hermes Germany GmbH, Essener Straße 89, 22419 Hamburg, Tel. 040 537 550
"""

DPD_DE = """\
Von: DPD <noreply@service.dpd.de>
Betreff: Ihr DPD Paket kommt heute

Guten Tag,

Ihr Paket 0150 5082 3765 41 P wird heute zwischen 09:15 und 10:15 Uhr zugestellt.
Paketnummer ohne Prüfziffer: 01505082376541 (beide verweisen auf dieselbe Sendung)

Absender: Elektro Müller GmbH, Kundennummer 0012345678
Rechnungsnummer 2026-000123 vom 11.05.2026 über 89,90 EUR

DPD Kundenservice: 01806 373 200 (0,20 €/Anruf), Mo-Fr 8-18 Uhr
DPD Deutschland GmbH, Wailandtstraße 1, 63741 Aschaffenburg
"""

GLS_DE = """\
Betreff: GLS: Ihr Paket ist unterwegs

Sehr geehrte Kundin, sehr geehrter Kunde,

Ihr GLS Paket mit der Paketnummer 40123456789 wurde an uns übergeben.
Zustellung an: Packstation 123, 80331 München, Postnummer 1234567890

GLS Germany GmbH & Co. OHG, Service-Hotline 06677 646 907 000
"""

UPS_EN = """\
From: UPS Quantum View <auto-notify@ups.com>
Subject: UPS Update: Package Scheduled for Delivery Tomorrow

Hello John Smith,

Your package is on its way.

Tracking Number: 1Z 999 AA1 01 2345 6784
Ship To: 742 Evergreen Terrace, Springfield, OR 97403 US
Number of Packages: 1
Weight: 2.4 LBS
Reference Number 1: ORDER 12345678
Scheduled Delivery: Tuesday, 05/12/2026, by End of Day

Questions? Call 1-800-742-5877
"""

AMAZON_EN = """\
From: Amazon.com <shipment-tracking@amazon.com>
Subject: Your Amazon.com order #112-9876543-7654321 has shipped

Hello Jane,

Your package has shipped. Order #12345678 was split into two shipments.

Shipment 1: Shipped with USPS, Tracking ID 9400 1112 0620 6406 2607 87
Shipment 2: Shipped with Amazon Logistics, tracking ID TBA304583921007

Order Total: $1,234.56
Arriving: Thursday, May 14
Need help? Call us at +1 206 266 1000 or 1-888-280-4331.
"""

FEDEX_ROYALMAIL_POSTNL_EN = """\
From: Parcel Hub <updates@parcelhub.example>
Subject: 3 shipments on the way

Hi Sam,

1) FedEx Express, tracking number 986578788855, delivery Friday 15 May 2026.
2) Royal Mail Tracked 24: AB246813576GB. Postcode SW1A 1AA.
3) PostNL parcel, barcode 3SABCD1234567, 2511 CV Den Haag.

Invoice INV-2026-0042, total EUR 59.00, IBAN GB33 BUKB 2020 1555 5555 55.
Customer number 98765432109876. Call +44 20 7946 0958.
"""

NO_NUMBERS_DE = """\
Betreff: Ihre Bestellung bei Beispiel-Shop

Vielen Dank für Ihre Bestellung!
Bestellnummer: 302-1234567-1234567
Order #12345678, Rechnungsnummer 2026000123456
Kundennummer: 987654321012
Bestelldatum: 11.05.2026, 2026-05-11, 11/05/2026
Summe: 1.234,56 € inkl. 19 % MwSt.
IBAN: DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX
Tel. +49 30 1234567, Fax 030 12345678, Hotline 0800 123 4567
Musterstraße 12, 10115 Berlin
Gutscheincode: SUMMER2026SALE
"""

CASES = [
    pytest.param(DHL_DE, ["00340434571200384714"], "dhl", id="dhl-de"),
    pytest.param(AMAZON_DE, ["TBA304583921007"], "amazon", id="amazon-de"),
    pytest.param(HERMES_DE, ["4045612345678901"], "hermes", id="hermes-de"),
    pytest.param(DPD_DE, ["01505082376541P", "01505082376541"], "dpd", id="dpd-de"),
    pytest.param(GLS_DE, ["40123456789"], "gls", id="gls-de"),
    pytest.param(UPS_EN, ["1Z999AA10123456784"], "ups", id="ups-en"),
    pytest.param(AMAZON_EN, ["9400111206206406260787", "TBA304583921007"], None, id="amazon-en"),
    pytest.param(
        FEDEX_ROYALMAIL_POSTNL_EN,
        ["986578788855", "AB246813576GB", "3SABCD1234567"],
        None,
        id="fedex-royalmail-postnl-en",
    ),
    pytest.param(NO_NUMBERS_DE, [], None, id="no-numbers-de"),
]


@pytest.mark.parametrize(("text", "expected", "carrier"), CASES)
def test_extract_finds_exactly_the_tracking_numbers(
    text: str, expected: list[str], carrier: str | None
) -> None:
    found = extract(text)

    assert [item.number for item in found] == expected
    if carrier is not None:
        assert {item.result.candidates[0].carrier for item in found} == {carrier}


def test_found_positions_point_at_the_printed_number() -> None:
    (found,) = extract(UPS_EN)

    assert UPS_EN[found.start : found.end] == "1Z 999 AA1 01 2345 6784"
    assert found.result.input == "1Z 999 AA1 01 2345 6784"
    assert found.result.normalized == "1Z999AA10123456784"
    assert found.labelled


def test_mixed_carrier_email_ranks_each_number_by_its_own_carrier() -> None:
    found = extract(FEDEX_ROYALMAIL_POSTNL_EN) + extract(AMAZON_EN)

    assert [item.result.candidates[0].carrier for item in found] == [
        "fedex",
        "royalmail",
        "postnl",
        "usps",
        "amazon",
    ]
