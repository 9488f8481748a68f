"""Installed base: the equipment we service, as a free tree of service objects on each site.

Glossary:
- Category: a kind of equipment (bill counter, sorter, kiosk, router...), named in French and English.
- Equipment model: a manufacturer's model in a category; serial numbers are unique per model.
- Service object: any node of a site's tree (area, machine, module...), of any depth; ``path`` holds
  the ids from the root (``/12/57/``) so a subtree is one indexed range query.
- Attribute: an effective-dated value (firmware, counter reading, configuration) with a valid-from;
  the object can be shown "as of" any moment.
- History: the object's timeline; every change here, and later every ticket or visit (recorded by
  higher contexts through ``services.record_history``), appends an entry.

Tables owned: installed_base_category, installed_base_equipmentmodel, installed_base_serviceobject,
installed_base_attribute, installed_base_historyentry.
Events: none yet.
"""
