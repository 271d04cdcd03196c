from celery import shared_task


@shared_task(name="k0.health_check")
def health_check(token: str) -> str:
    """Answers the token back: proves a worker takes tasks from the broker and runs them."""
    return f"pong:{token}"
