"""Query parameters several routes share, and their checks across fields."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from shopformer.serve.state import InvalidField

Account = Annotated[str | None, Query(min_length=1, max_length=200,
                                      description="a raw account id, with its channel")]
Channel = Annotated[str | None, Query(min_length=1, max_length=40,
                                      description="the channel asking")]
PersonId = Annotated[str | None, Query(pattern=r"^p_[0-9a-f]{1,64}$",
                                       description="a person id instead")]
Count = Annotated[int, Query(ge=1, le=200)]
Category = Annotated[str | None, Query(max_length=200)]
Price = Annotated[float | None, Query(ge=0, allow_inf_nan=False)]
Share = Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)]


def check_price_range(min_price: float | None, max_price: float | None) -> None:
    if min_price is not None and max_price is not None and min_price > max_price:
        raise InvalidField(["query", "max_price"], "max_price is below min_price")
