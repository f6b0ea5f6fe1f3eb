"""Positioned-model QuerySet with a HEALPix-indexed cone search."""

from __future__ import annotations

import math

import astropy.units as u
from astropy.coordinates import SkyCoord
from django.db import models
from django.db.models.sql.where import AND

from catalog.sky.spatial import ConeCentre, cone_ranges_deg, icrs_degrees, radius_degrees


def _haversine_sql(ra_col: str, dec_col: str, ra0: float, dec0: float):
    """hav(θ) between each row's (ra, dec) and (ra0, dec0), as SQL and its parameters.

    The haversine form stays accurate for sub-arcsecond separations, where the
    dot-product (cosine) form loses precision. RADIANS, SIN, COS, POWER exist on
    PostgreSQL and are registered by Django on SQLite.
    """
    sql = (
        f"(POWER(SIN(RADIANS({dec_col} - %s) / 2.0), 2) + COS(RADIANS({dec_col})) * %s"
        f" * POWER(SIN(RADIANS({ra_col} - %s) / 2.0), 2))"
    )
    return sql, [dec0, math.cos(math.radians(dec0)), ra0]


class _ConeExpression(models.Expression):
    """An expression over the queried table's own ``ra``/``dec``/``hpx`` columns.

    It has no source expressions: it resolves to the query's base-table alias and
    quotes the three columns itself. Resolving ``F("ra")`` etc. through Django's
    join machinery, copying the expression tree and compiling each ``Col`` took
    about a third of a cone search's Python time (bench/cone_search.py); relabelling
    (subqueries, combined querysets) still works through :meth:`relabeled_clone`.
    """

    contains_column_references = True

    def __init__(self, ra0: float, dec0: float):
        # plain floats, never a SkyCoord: Django may hash an expression's identity.
        # output_field is a class attribute: building a Field per query costs ~10 us.
        super().__init__()
        self.ra0 = float(ra0)
        self.dec0 = float(dec0)
        self.alias = None
        self.columns = ("ra", "dec", "hpx")

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        c = self._copy()
        c.alias = query.get_initial_alias()
        opts = query.get_meta()
        c.columns = tuple(opts.get_field(name).column for name in ("ra", "dec", "hpx"))
        c.is_summary = summarize
        return c

    def relabeled_clone(self, change_map):
        c = self._copy()
        c.alias = change_map.get(self.alias, self.alias)
        return c

    def _copy(self):
        # a shallow copy, as copy.copy would make, without its pickling protocol
        c = object.__new__(type(self))
        c.__dict__.update(self.__dict__)
        return c

    def _cols(self, compiler, connection) -> tuple[str, str, str]:
        table = compiler.quote_name_unless_alias(self.alias)
        qn = connection.ops.quote_name
        return tuple(f"{table}.{qn(col)}" for col in self.columns)

    @property
    def identity(self):
        return (type(self), self.alias, self.columns, *self._key())

    def _key(self) -> tuple:
        return (self.ra0, self.dec0)


class Separation(_ConeExpression):
    """Great-circle separation (arcsec) of each row from (ra0, dec0): 2·asin(√hav)."""

    output_field = models.FloatField()

    def as_sql(self, compiler, connection, **extra):
        ra_col, dec_col, _ = self._cols(compiler, connection)
        hav, params = _haversine_sql(ra_col, dec_col, self.ra0, self.dec0)
        return f"(DEGREES(2.0 * ASIN(SQRT({hav}))) * 3600.0)", params


class ConeMatch(_ConeExpression):
    """The whole cone test as one boolean SQL expression: HEALPix ranges, then haversine.

    ``(hpx >= lo AND hpx < hi) OR …`` is the B-tree prefilter and ``hav <= hav_max`` the
    exact test. Built as one template, not a ``Q`` per range: compiling an OR-tree of
    ``Q`` objects and a separate ``alias().filter()`` cost more Python time than the
    indexed query took in PostgreSQL (bench/cone_search.py).
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, ranges, ra0: float, dec0: float, hav_max: float):
        super().__init__(ra0, dec0)
        self.ranges = tuple(ranges)
        self.hav_max = float(hav_max)

    def _key(self) -> tuple:
        return (self.ra0, self.dec0, self.ranges, self.hav_max)

    def as_sql(self, compiler, connection, **extra):
        ra_col, dec_col, hpx_col = self._cols(compiler, connection)
        hav, hav_params = _haversine_sql(ra_col, dec_col, self.ra0, self.dec0)
        ors = " OR ".join([f"({hpx_col} >= %s AND {hpx_col} < %s)"] * len(self.ranges))
        params = [bound for pair in self.ranges for bound in pair]
        return f"(({ors}) AND {hav} <= %s)", [*params, *hav_params, self.hav_max]


class PositionedQuerySet(models.QuerySet):
    """QuerySet for models with ``ra``, ``dec`` (ICRS deg) and ``hpx`` (order-29 nested)."""

    def cone_search(self, coord: SkyCoord | ConeCentre, radius: u.Quantity) -> PositionedQuerySet:
        """Rows within ``radius`` of ``coord`` (great-circle), annotated ``separation_arcsec``.

        Parameters
        ----------
        coord : astropy.coordinates.SkyCoord or catalog.sky.spatial.ConeCentre
            Cone centre (any frame; converted to ICRS), or ICRS degrees as a ``ConeCentre``.
        radius : astropy.units.Quantity
            Cone radius (angle); must be positive and at most 90 deg.

        Notes
        -----
        HEALPix pixels overlapping the cone at a radius-dependent order become
        ranges of the stored order-29 index (B-tree prefilter), then an exact
        haversine test runs in SQL. Results match ``SkyCoord.separation``.
        """
        ra0, dec0 = icrs_degrees(coord)
        r_deg = radius_degrees(radius)
        match = ConeMatch(
            cone_ranges_deg(ra0, dec0, r_deg), ra0, dec0, math.sin(math.radians(r_deg) / 2) ** 2
        )
        separation = Separation(ra0, dec0)
        if self._fields is not None or self.query.is_sliced or self.query.combinator:
            # values(), sliced and combined querysets: Django's own checks and grouping
            return self.filter(match).annotate(separation_arcsec=separation)
        # One clone, the condition added to WHERE as it is, the annotation added directly:
        # ``filter()`` + ``annotate()`` clone twice, wrap the condition in ``= true`` and
        # rebuild the set of the model's field names (~0.1 ms per query, bench/cone_search.py).
        clone = self._chain()
        clone.query.where.add(match.resolve_expression(clone.query), AND)
        clone.query.add_annotation(separation, "separation_arcsec", select=True)
        return clone
