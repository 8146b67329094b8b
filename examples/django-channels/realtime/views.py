"""GET /ws_ticket: a single-use ticket for the socket, for a caller with a valid Bearer JWT."""
from django.conf import settings
from django.http import Http404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import metrics
from .access import MayUseSocket
from .tickets import issue_ticket


class WebSocketTicketView(APIView):
    """
    200 `{"ticket", "expires"}` (`expires` in unix seconds); 401 with `WWW-Authenticate: Bearer`
    without a valid JWT (DRF + simplejwt); 403 for a user `may_use_socket()` refuses; 404 when
    WS_TICKETS is off, which tells ngx-auth-socket to use first-message auth instead.
    """

    permission_classes = [IsAuthenticated, MayUseSocket]

    def initial(self, request, *args, **kwargs):
        # Switched off, the endpoint does not exist: 404 before authentication, not 401.
        if not settings.WS_TICKETS:
            raise Http404()
        super().initial(request, *args, **kwargs)

    def get(self, request):
        # request.auth is the validated access token: the ticket is bound to its user and expiry.
        ticket, expires = issue_ticket(request.user.pk, request.auth["exp"])
        metrics.count("tickets_issued")
        # The ticket is a credential until redeemed: no cache may keep the response.
        return Response({"ticket": ticket, "expires": expires}, headers={"Cache-Control": "no-store"})
