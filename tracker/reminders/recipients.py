"""Who receives what: the people of a unit, the leaders in charge, the county leaders.

`Directory` loads units, people and leader charges once, so planning for 100,000 tickets asks the
database a fixed number of questions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, select

from tracker.org.models import LeaderCharge, Role, Unit, User
from tracker.tickets.relations import ancestor_ids, counts_as_cadre, counts_as_leader


class Directory:
    """Recipients by the rules of `tracker.tickets.relations`, from data loaded once."""

    def __init__(self, session: Session) -> None:
        self.units: dict[int, Unit] = {u.id: u for u in session.exec(select(Unit))}
        users = session.exec(select(User).where(User.is_enabled)).all()
        self.users: dict[int, User] = {u.id: u for u in users}
        self.cadres_by_unit: dict[int | None, list[User]] = defaultdict(list)
        self.inspectors: list[User] = []
        for user in users:
            if counts_as_cadre(user):
                self.cadres_by_unit[user.unit_id].append(user)
            elif user.role == Role.INSPECTOR:
                self.inspectors.append(user)
        self.leaders_by_unit: dict[int, list[User]] = defaultdict(list)
        self.charges: dict[int, list[int]] = defaultdict(list)
        for charge in session.exec(select(LeaderCharge)):
            leader = self.users.get(charge.user_id)
            if leader is not None and counts_as_leader(leader):
                self.leaders_by_unit[charge.unit_id].append(leader)
                self.charges[leader.id].append(charge.unit_id)
        self._leaders_cache: dict[int, list[User]] = {}
        self._ids_cache: dict[tuple, tuple[int, ...]] = {}

    # --- recipient ids, resolved once per unit for a whole sweep -------------------------

    def unit_people_ids(self, unit_id: int, assignee_id: int | None) -> tuple[int, ...]:
        """Ids of the unit's cadres and the ticket's assignee, in that order."""
        key = ("unit", unit_id, assignee_id)
        found = self._ids_cache.get(key)
        if found is None:
            people = self.unit_cadres(unit_id)
            if assignee_id and assignee_id in self.users:
                people.append(self.users[assignee_id])
            found = self._ids_cache[key] = tuple(u.id for u in reachable(people))
        return found

    def leaders_in_charge_ids(self, unit_id: int) -> tuple[int, ...]:
        key = ("leaders", unit_id)
        found = self._ids_cache.get(key)
        if found is None:
            found = self._ids_cache[key] = tuple(
                u.id for u in reachable(self.leaders_in_charge(unit_id))
            )
        return found

    def county_leader_ids(self) -> tuple[int, ...]:
        key = ("county",)
        found = self._ids_cache.get(key)
        if found is None:
            found = self._ids_cache[key] = tuple(u.id for u in reachable(self.county_leaders()))
        return found

    def unit_cadres(self, unit_id: int) -> list[User]:
        """The cadres of the unit itself (not of its parents or children)."""
        return list(self.cadres_by_unit.get(unit_id, ()))

    def leaders_in_charge(self, unit_id: int) -> list[User]:
        """Leaders whose charge covers the unit or one of its ancestors."""
        cached = self._leaders_cache.get(unit_id)
        if cached is None:
            unit = self.units.get(unit_id)
            ancestors = ancestor_ids(unit) if unit else []
            seen: dict[int, User] = {}
            for ancestor in ancestors:
                for leader in self.leaders_by_unit.get(ancestor, ()):
                    seen[leader.id] = leader
            cached = self._leaders_cache[unit_id] = list(seen.values())
        return cached

    def county_leaders(self) -> list[User]:
        """Leaders in charge of a top-level unit (the county)."""
        seen: dict[int, User] = {}
        for unit in self.units.values():
            if unit.depth == 0:
                for leader in self.leaders_by_unit.get(unit.id, ()):
                    seen[leader.id] = leader
        return list(seen.values())

    def charged_unit_ids(self, leader: User) -> set[int]:
        """Every unit in the subtrees in a leader's charge."""
        roots = [self.units[i] for i in self.charges.get(leader.id, ()) if i in self.units]
        return {u.id for u in self.units.values() if any(u.path.startswith(r.path) for r in roots)}

    def subtree_ids(self, unit_id: int) -> set[int]:
        root = self.units.get(unit_id)
        if root is None:
            return set()
        return {u.id for u in self.units.values() if u.path.startswith(root.path)}


def reachable(users: Iterable[User]) -> list[User]:
    """Enabled users, each once. Everyone gets their notices in the app; whether a channel
    (e-mail, SMS, ...) reaches them is decided when the message is sent."""
    seen: dict[int, User] = {}
    for user in users:
        if user.is_enabled and user.id not in seen:
            seen[user.id] = user
    return list(seen.values())
