from rest_framework.routers import SimpleRouter

from .views import JobViewSet

# job-list, job-detail under the "api" namespace.
router = SimpleRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = router.urls
