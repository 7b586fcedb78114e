"""What is on the counter, as the checkout sees it: the cart, unknown objects, attendant picks and voids.

The cart mirrors the counter: every stable verdict of the count stabiliser replaces it. On top of the
detector's counts come the attendant's decisions for the current sale: an unknown object resolved to a
product (a "pick") is added while that many unknown objects remain; a voided SKU stays out of the cart
for the rest of the sale even though the item may still lie on the counter (the customer's own bottle).

Unknown objects are detections too unsure to count (the detector's top classes are the candidates) and
confident detections of a class that is not for sale (no catalog product, or an inactive one). Their
number changes only after ``confirm_frames`` stable verdicts in a row agree, so one odd frame neither
raises nor clears an attendant request, and the candidate list shown to the attendant does not flicker.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.core.cart import Cart, CartLine
from app.core.catalog import Catalog, Product
from app.core.counting import Verdict

log = logging.getLogger(__name__)

CandidateScores = Sequence[tuple[str, float]]  # (detector class, score), best first


@dataclass(frozen=True)
class Candidate:
    """A catalog product the attendant may pick for an unknown object."""

    detector_class: str
    sku: str
    name_ko: str
    name_en: str
    score: float


@dataclass(frozen=True)
class UnknownItem:
    """``reason``: "uncertain" (too unsure to count), "not_in_catalog" or "not_for_sale"."""

    reason: str
    detector_class: str | None
    candidates: tuple[Candidate, ...]


class CounterModel:
    """Turns verdicts into the cart of the current sale (see the module docstring)."""

    def __init__(self, catalog: Catalog, *, confirm_frames: int = 3, max_candidates: int = 3) -> None:
        if confirm_frames < 1 or max_candidates < 1:
            raise ValueError("confirm_frames and max_candidates must be at least 1")
        self.catalog = catalog
        self.max_candidates = max_candidates
        self.cart = Cart()
        self.settling = False
        self.spread = False
        self.counter_empty = True
        self.unknown: tuple[UnknownItem, ...] = ()
        self._history: deque[int] = deque(maxlen=confirm_frames)
        self._counts: dict[str, int] = {}
        self.picks: list[str | None] = []
        self.voided: set[str] = set()

    def reset_sale(self) -> None:
        """Forget the attendant's picks and voids and empty the cart (what is seen stays seen)."""
        self.picks.clear()
        self.voided.clear()
        self.cart.clear()

    # -- input -----------------------------------------------------------------------------------
    def update(self, verdict: Verdict, candidates: Sequence[CandidateScores] = (),
               overlapped: bool = False) -> bool:
        """Take one stabiliser verdict; True when the cart or the unknown objects changed."""
        self.settling = verdict.stable is None or verdict.settling
        self.spread = overlapped
        if self.settling or overlapped or verdict.stable is None:
            return False  # items moving or stacked: no guess, the cart stays as it was
        counts: dict[str, int] = {}
        seen: list[UnknownItem] = []
        for cls, n in sorted(verdict.stable.items()):
            if n <= 0:
                continue
            product = self._product(cls)
            if product is not None and product.active:
                counts[cls] = n
            else:
                reason = "not_in_catalog" if product is None else "not_for_sale"
                seen += [UnknownItem(reason, cls, ())] * n
        n_uncertain = max(verdict.uncertain, len(candidates))
        for i in range(n_uncertain):
            seen.append(UnknownItem("uncertain", None,
                                    self._candidates(candidates[i] if i < len(candidates) else ())))
        self._history.append(len(seen))
        before = (self.cart.lines, self.unknown)
        if len(self._history) == self._history.maxlen and len(set(self._history)) == 1 \
                and len(seen) != len(self.unknown):
            self.unknown = tuple(seen)  # the number changed for good: take the newest descriptions
            del self.picks[len(seen):]
        self._counts = counts
        self.counter_empty = not counts and not self.unknown
        self._rebuild()
        return (self.cart.lines, self.unknown) != before

    def _product(self, cls: str) -> Product | None:
        try:
            return self.catalog.by_class(cls)
        except KeyError:
            return None

    def _candidates(self, scores: CandidateScores) -> tuple[Candidate, ...]:
        out: list[Candidate] = []
        for cls, score in sorted(scores, key=lambda item: item[1], reverse=True):
            product = self._product(cls)
            if product is None or not product.active or any(c.detector_class == cls for c in out):
                continue
            out.append(Candidate(cls, product.sku, product.name_ko, product.name_en, round(float(score), 3)))
            if len(out) == self.max_candidates:
                break
        return tuple(out)

    def _rebuild(self) -> None:
        wanted = Counter(self._counts)
        wanted.update(cls for cls in self.picks[: len(self.unknown)] if cls is not None)
        keep = {cls: n for cls, n in wanted.items() if self.catalog.by_class(cls).sku not in self.voided}
        self.cart.set_counts(keep, self.catalog)

    # -- attendant decisions ---------------------------------------------------------------------
    @property
    def unresolved(self) -> tuple[UnknownItem, ...]:
        return self.unknown[len(self.picks):]

    def pick(self, detector_class: str | None) -> Product | None:
        """Resolve the first unresolved unknown object as ``detector_class`` (None: not a product)."""
        if not self.unresolved:
            raise ValueError("there is no unknown item to resolve")
        product = None
        if detector_class is not None:
            product = self.catalog.by_class(detector_class)
            if not product.active:
                raise ValueError(f"product {product.sku!r} is not for sale (inactive)")
        self.picks.append(detector_class)
        self._rebuild()
        return product

    def void(self, sku: str) -> CartLine:
        """Keep ``sku`` out of the cart for the rest of the sale; returns the line that was voided."""
        line = next((ln for ln in self.cart.lines if ln.product.sku == sku), None)
        if line is None:
            raise KeyError(f"sku {sku!r} is not in the cart")
        self.voided.add(sku)
        self._rebuild()
        return line

    def age_restricted_skus(self) -> tuple[str, ...]:
        return tuple(ln.product.sku for ln in self.cart.lines if ln.product.age_restricted)

    @property
    def counts(self) -> Mapping[str, int]:
        return dict(self._counts)
