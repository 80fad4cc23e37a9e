from rest_framework.routers import SimpleRouter

from . import views

# Included by valuepartner.api.urls under the "api" namespace: household-list, household-detail,
# client-list, client-detail.
router = SimpleRouter()
router.register("households", views.HouseholdViewSet, basename="household")
router.register("clients", views.ClientViewSet, basename="client")

urlpatterns = router.urls
