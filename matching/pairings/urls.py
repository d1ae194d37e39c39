from django.urls import path

from matching.pairings import views

urlpatterns = [
    path("mentoring/", views.my_mentoring, name="my_mentoring"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/accept/", views.pairing_accept, name="pairing_accept"),
    path("pairings/<int:pk>/decline/", views.pairing_decline, name="pairing_decline"),
    path("pairings/<int:pk>/cancel/", views.pairing_cancel, name="pairing_cancel"),
    path("pairings/<int:pk>/finish/", views.pairing_finish, name="pairing_finish"),
    path("pairings/<int:pk>/extend/", views.pairing_extend, name="pairing_extend"),
    path("pairings/<int:pk>/reassess/", views.pairing_reassess, name="pairing_reassess"),
    path("pairings/<int:pk>/confirm/", views.pairing_confirm, name="pairing_confirm"),
    path("pairings/<int:pk>/thank/", views.pairing_thank, name="pairing_thank"),
    path("pairings/<int:pk>/plan/", views.plan_item_add, name="plan_item_add"),
    path("pairings/<int:pk>/plan/<int:item_pk>/", views.plan_item_edit, name="plan_item_edit"),
    path(
        "pairings/<int:pk>/plan/<int:item_pk>/remove/",
        views.plan_item_remove,
        name="plan_item_remove",
    ),
    path("pairings/<int:pk>/plan/<int:item_pk>/tick/", views.plan_item_tick, name="plan_item_tick"),
    path(
        "pairings/<int:pk>/plan/<int:item_pk>/confirm/",
        views.plan_item_confirm,
        name="plan_item_confirm",
    ),
    path("pairings/<int:pk>/check-ins/", views.check_in_add, name="check_in_add"),
    path("pairings/<int:pk>/reflections/", views.reflection_add, name="reflection_add"),
    path(
        "pairings/<int:pk>/reflections/<int:reflection_pk>/share/",
        views.reflection_share,
        name="reflection_share",
    ),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/check-in/", views.cohort_check_in, name="cohort_check_in"),
    path("people/<int:pk>/mentoring-record/", views.mentoring_record, name="mentoring_record"),
]
