from django.conf import settings
from django.urls import path, re_path
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from realtime import control
from realtime.views import WebSocketTicketView

from .spa import spa_file

urlpatterns = [
    # simplejwt: {"username","password"} → {"access","refresh"}; {"refresh"} → {"access","refresh"}
    path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    # Logout: {"refresh"} → the refresh token is burnt.
    path("api/token/blacklist/", TokenBlacklistView.as_view(), name="token_blacklist"),
    path("ws_ticket", WebSocketTicketView.as_view(), name="ws_ticket"),
    path("__control/kick", control.kick),
    path("__stats", control.stats),
]

if settings.WS_SPA_DIR:
    urlpatterns.append(re_path(r"^(?P<path>.*)$", spa_file))
