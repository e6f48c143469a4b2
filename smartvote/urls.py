from django.urls import path

from smartvote import views

app_name = "smartvote"
urlpatterns = [
    path("smartvote/keys/", views.signing_keys, name="keys"),
    path("smartvote/backtest/", views.backtest_page, name="backtest_latest"),
    path("smartvote/backtest/<int:pk>/", views.backtest_page, name="backtest"),
    path("smartvote/backtest/<int:pk>/calibration.<str:fmt>", views.backtest_plot, name="backtest_plot"),
    path("smartvote/contests/<int:pk>/", views.smartvote_contest, name="contest"),
    path("smartvote/contests/<int:pk>/forecast.<str:fmt>", views.smartvote_contest_chart, name="contest_chart"),
    path("smartvote/<slug:slug>/", views.smartvote_election, name="election"),
    path("smartvote/<slug:slug>/editorial/", views.editorial, name="editorial"),
    path("smartvote/<slug:slug>/editorial/request.json", views.editorial_request, name="editorial_request"),
    path("smartvote/<slug:slug>/lists/<int:number>/", views.list_version, name="list_version"),
]
