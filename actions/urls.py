from django.urls import path

from actions import report, support, views

app_name = "actions"
urlpatterns = [
    path("actions/", views.index, name="index"),
    path("actions/prisoners/", support.prisoner_list, name="prisoners"),
    path("actions/letters/", support.letter, name="letter"),
    path("actions/letters/<str:pseudonym>/", support.letter, name="letter_to"),
    path("actions/letters/<str:pseudonym>/sent/", support.letter_sent, name="letter_sent"),
    path("actions/declarations/review/", support.review, name="review"),
    path("actions/declarations/<slug:slug>/", support.declaration, name="declaration"),
    path("actions/photos/<int:pk>/", report.photo, name="photo"),
    path("actions/confirm/<str:token>/", views.confirmation, name="confirm"),
    path("actions/cancel/<str:token>/", views.cancellation, name="cancel"),
    path("actions/<slug:slug>/", views.action_page, name="action"),
    path("actions/<slug:slug>/detained/", views.detained, name="detained"),
    path("actions/<slug:slug>/counts.csv", views.counts_csv, name="counts_csv"),
    path("actions/<slug:slug>/report/", report.report, name="report"),
    path("actions/<slug:slug>/photos/", report.add_photos, name="add_photos"),
]
