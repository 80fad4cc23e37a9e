from django.urls import path

from . import views, views_accounts, views_csv, views_models, views_proposals

app_name = "portfolios"

urlpatterns = [
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("clients/", views.client_list, name="client-list"),
    path("clients/new/", views.client_create, name="client-create"),
    path("clients/<int:pk>/", views.client_detail, name="client-detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client-edit"),
    path("clients/<int:pk>/risk/", views_accounts.client_risk, name="client-risk"),
    path("accounts/", views_accounts.account_list, name="account-list"),
    path("accounts/new/", views_accounts.account_create, name="account-create"),
    path("accounts/<int:pk>/", views_accounts.account_detail, name="account-detail"),
    path("accounts/<int:pk>/edit/", views_accounts.account_edit, name="account-edit"),
    path("accounts/<int:pk>/transactions/", views_accounts.account_transactions, name="account-transactions"),
    path("accounts/<int:pk>/import/", views_csv.account_import, name="account-import"),
    path("accounts/<int:pk>/holdings.csv", views_csv.account_holdings_csv, name="account-holdings-csv"),
    path("accounts/<int:pk>/transactions.csv", views_csv.account_transactions_csv, name="account-transactions-csv"),
    path("transactions/import-template.csv", views_csv.import_template, name="import-template"),
    path("models/", views_models.model_list, name="model-list"),
    path("models/new/", views_models.model_create, name="model-create"),
    path("models/instrument-options/", views_models.instrument_options, name="model-instrument-options"),
    path("models/<int:pk>/", views_models.model_detail, name="model-detail"),
    path("models/<int:pk>/edit/", views_models.model_edit, name="model-edit"),
    path("accounts/<int:pk>/model/", views_models.account_model, name="account-model"),
    path("accounts/<int:pk>/drift/", views_models.account_drift, name="account-drift"),
    path("accounts/<int:pk>/proposals/new/", views_proposals.proposal_create, name="proposal-create"),
    path("proposals/<int:pk>/", views_proposals.proposal_detail, name="proposal-detail"),
]
