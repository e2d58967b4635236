"""Column-name hints: which provider a column's name points at ('email', 'zip', 'surname')."""

from __future__ import annotations

import re

#: words in a column name that point at a provider; a name's tokens and its tokens joined
#: ("e_mail" -> "email") are matched
HINTS: dict[str, frozenset[str]] = {
    "email": frozenset({"email", "emails", "mail", "emailaddress"}),
    "phone_number": frozenset({"phone", "phonenumber", "telephone", "tel", "telefoon", "telefon", "telefono",
                               "mobile", "mobiel", "cell", "cellphone", "gsm", "fax", "handy"}),
    "postcode": frozenset({"zip", "zipcode", "postcode", "postal", "postalcode", "plz", "postleitzahl", "postnummer",
                           "cp", "cap"}),
    "street_address": frozenset({"address", "addr", "street", "straat", "adres", "adresse", "strasse", "straße",
                                 "streetaddress", "address1", "address2", "addressline", "direccion", "indirizzo"}),
    "city": frozenset({"city", "town", "woonplaats", "plaats", "stad", "ort", "wohnort", "ville", "ciudad", "citta",
                       "città", "municipality", "gemeente", "locality", "birthplace"}),
    "first_name": frozenset({"first", "firstname", "given", "givenname", "forename", "voornaam", "vorname", "prenom",
                             "prénom", "nombre"}),
    "last_name": frozenset({"last", "lastname", "surname", "family", "familyname", "achternaam", "nachname",
                            "familienname", "apellido", "cognome"}),
    "name": frozenset({"name", "names", "fullname", "naam", "nom", "nome", "person", "customer", "client", "klant",
                       "patient", "employee", "contact"}),
    "date_of_birth": frozenset({"dob", "birth", "birthday", "birthdate", "born", "geboortedatum", "geboorte",
                                "geburtsdatum", "geburtstag", "naissance", "nacimiento"}),
    "url": frozenset({"url", "website", "homepage", "web", "link", "site"}),
    "ipv4": frozenset({"ip", "ipv4", "ipaddress"}),
    "ipv6": frozenset({"ip", "ipv6", "ipaddress"}),
    "iban": frozenset({"iban", "account", "bankaccount", "rekening", "rekeningnummer", "konto"}),
}
#: words that make "name" mean something other than a person's name
NOT_A_PERSON = frozenset({
    "company", "product", "file", "filename", "user", "username", "host", "hostname", "street", "city", "brand",
    "item", "country", "business", "org", "organisation", "organization", "department", "dept", "team", "store",
    "shop", "project", "app", "model", "species", "domain", "display", "screen", "nick", "nickname", "place",
    "town", "region", "state", "category", "class", "type", "group", "account", "bank", "drug", "disease",
})


def name_tokens(column: str) -> frozenset[str]:
    """The words of a column name, lower-cased, and all of them joined:
    'customerFirstName' -> {'customer', 'first', 'name', 'customerfirstname'}."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", column)
    tokens = [t for t in re.split(r"[^\w]+|_", spaced.lower()) if t]
    return frozenset(tokens) | {"".join(tokens)}


def is_hinted(provider: str, tokens: frozenset[str]) -> bool:
    """Whether the column-name ``tokens`` point at ``provider``."""
    hit = bool(tokens & HINTS[provider])
    if provider in ("name", "first_name", "last_name"):
        return hit and not tokens & NOT_A_PERSON
    return hit
