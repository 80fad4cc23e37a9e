from django.urls import path
from rest_framework.routers import SimpleRouter

from . import accounts, csv_views, ledger, model_portfolios, proposals, views

# Included by valuepartner.api.urls under the "api" namespace: household-list, household-detail,
# client-list, client-detail.
router = SimpleRouter()
router.register("households", views.HouseholdViewSet, basename="household")
router.register("clients", views.ClientViewSet, basename="client")
# account-list, account-detail, account-holdings, account-values
router.register("accounts", accounts.AccountViewSet, basename="account")
# modelportfolio-list, modelportfolio-detail
router.register("model-portfolios", model_portfolios.ModelPortfolioViewSet, basename="modelportfolio")

urlpatterns = [
    *router.urls,
    path(
        "accounts/<int:account_pk>/transactions/", ledger.AccountTransactionsView.as_view(), name="account-transactions"
    ),
    path("accounts/<int:account_pk>/lots/", ledger.AccountLotsView.as_view(), name="account-lots"),
    path(
        "accounts/<int:account_pk>/transactions/import/",
        csv_views.TransactionImportView.as_view(),
        name="account-transactions-import",
    ),
    path("accounts/<int:account_pk>/holdings.csv", csv_views.HoldingsCsvView.as_view(), name="account-holdings-csv"),
    path("accounts/<int:account_pk>/proposals/", proposals.AccountProposalsView.as_view(), name="account-proposals"),
    path("proposals/<int:pk>/", proposals.ProposalDetailView.as_view(), name="proposal-detail"),
]
