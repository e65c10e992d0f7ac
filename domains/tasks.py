"""Celery tasks of the domains app: thin wrappers that carry IDs and call services."""

from celery import shared_task

from domains import selectors, services


@shared_task
def recheck_all_domains() -> int:
    """The beat job: one check task per sending domain and tracking domain (so they run in parallel)."""
    domain_ids = selectors.domain_ids_to_recheck()
    tracking_ids = selectors.tracking_domain_ids_to_recheck()
    for domain_id in domain_ids:
        check_domain.delay(domain_id)
    for tracking_domain_id in tracking_ids:
        check_tracking_domain.delay(tracking_domain_id)
    return len(domain_ids) + len(tracking_ids)


@shared_task
def check_domain(domain_id: int) -> None:
    services.check_domain_by_id(domain_id=domain_id)


@shared_task
def check_tracking_domain(tracking_domain_id: int) -> None:
    services.check_tracking_domain_by_id(tracking_domain_id=tracking_domain_id)
