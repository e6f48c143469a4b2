from django.urls import path

from vote import views

app_name = "vote"
urlpatterns = [
    path("vote/", views.index, name="index"),
    path("vote/<slug:slug>/", views.vote_page, name="vote"),
    path("vote/<slug:slug>/board/", views.board_page, name="board"),
    path("vote/<slug:slug>/board.jsonl", views.board_file, name="board_file"),
    path("vote/<slug:slug>/keys.json", views.keys_file, name="keys"),
    path("vote/<slug:slug>/verify/", views.verifier, name="verifier"),
]
