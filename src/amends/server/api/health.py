"""GET /v1/health: whether the server answers, and which amends and schema it speaks."""

from fastapi import APIRouter

from ... import __version__
from ...model import SCHEMA_VERSION
from ..schemas import HealthOut

router = APIRouter(prefix="/v1", tags=["health"])


@router.get("/health", response_model=HealthOut)
def health() -> HealthOut:
    return HealthOut(status="ok", version=__version__, schema_version=SCHEMA_VERSION)
