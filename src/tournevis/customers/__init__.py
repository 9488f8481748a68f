"""Customers: the organisations we serve, their contacts and their sites.

Glossary:
- Customer: an organisation (dealer, bank, retail chain) with a country, language, time zone, VAT
  number and a tier (standard, silver, gold, platinum) that contracts and routing read.
- Contact: a person at a customer (optionally at one site), phone in E.164, language, notification
  preferences.
- Site: an address with geo coordinates, an IANA time zone, access hours per weekday and access notes.

Tables owned: customers_customer, customers_contact, customers_site.
Events: none yet.
"""
