"""Stock: spare parts, where they are, where they go, and the loaner pool.

Glossary: a *part* (reference, FR/EN name, manufacturer reference, the equipment models it fits, a
*unit* — counted in whole units or measured in metres, litres, kilograms —, cost and price, serialised
or not, a shipping class) is held at *locations*: regional *depots*, technicians' *vans*, *consignment*
stock at a customer site, the *in-transit* location and a *defective*-returns area. A *stock level*
is a (location, part) row with quantities on hand and reserved (available = on hand - reserved) and
an optional minimum / maximum. Every change of a quantity is a *movement* (receipt, transfer out,
transfer in, consumption, defective return, adjustment) saying who and why. A *reservation* holds
units for a *demand* (a work order, named by type and id: this context knows nothing above it);
*sourcing* picks where they come from — the technician's van, else the depot that gets them there
first (lane lead time, then distance) — and explains the choice; a part that must travel gets a
*transfer* with an expected arrival. *Lanes* give the shipping mode and lead time between regions
(ground within a region, express air between regions). *Loaners* are pieces of equipment lent to a
customer during a repair (*loans*), reminded, returned and inspected.

Tables: stock_part, stock_location, stock_lane, stock_stocklevel, stock_serialunit, stock_movement,
stock_transfer, stock_reservation, stock_loaner, stock_loan.

Events published (``core.events``, after commit): ``stock.transfer_received`` (transfer id, demand type
and id) — work orders resume their SLA clocks when the last awaited part has arrived.
See docs/contexts/stock.md.
"""
